/* Result views of ipkg's query page, as YASR plugins: Values, Timeline, Chart and Graph.
 *
 * Values (the default) shows results as values, not RDF syntax: 2019-06-05, Belarus, ipkg:belarus;
 * the datatype or language is a small note, and ipkg IRIs open their entity page on this server.
 * Timeline places dated rows (xsd:date, gYearMonth, gYear, dateTime) on an axis and lists them by
 * year, at the precision the data has. Chart draws a bar per row for a numeric column (counts).
 * Graph draws CONSTRUCT and DESCRIBE results as nodes and labelled edges.
 *
 * No library beyond YASGUI itself: plain DOM and SVG. Exposed as window.IpkgViews.
 */
(function () {
  "use strict";

  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  var DATES = { date: 3, dateTime: 3, gYearMonth: 2, gYear: 1 };
  var NUMBERS = ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"];
  var SVG = "http://www.w3.org/2000/svg";
  var options = { siteBase: "https://w3id.org/ipkg/", localRoot: "/", prefixes: {} };

  // ------------------------------------------------------------------ terms

  function el(name, className, text) {
    var node = document.createElement(name);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function svg(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  function prefixesOf(yasr) {
    var found = {};
    try { found = yasr.getPrefixes() || {}; } catch (e) { found = {}; }
    Object.keys(options.prefixes).forEach(function (p) { if (!(p in found)) { found[p] = options.prefixes[p]; } });
    return found;
  }

  function curie(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var ns = prefixes[p];
      if (ns && iri.indexOf(ns) === 0 && (!best || ns.length > prefixes[best].length)) {
        var local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_.\-]*$/.test(local) && !/\.$/.test(local)) { best = p; }
      }
    });
    return best === null ? null : best + ":" + iri.slice(prefixes[best].length);
  }

  /* Where an IRI links to: ipkg resources and terms on this server, Wikidata items to Wikidata. */
  function href(iri) {
    var base = options.siteBase;
    if (iri.indexOf(base + "id/") === 0 || iri.indexOf(base + "ontology") === 0) {
      return { url: options.localRoot + iri.slice(base.length), local: true };
    }
    var wd = /^http:\/\/www\.wikidata\.org\/(?:entity|prop\/direct)\/([QP]\d+)$/.exec(iri);
    if (wd) {
      return { url: "https://www.wikidata.org/wiki/" + (wd[1][0] === "P" ? "Property:" : "") + wd[1], local: false };
    }
    return { url: /^https?:/.test(iri) ? iri : null, local: false };
  }

  function datatypeName(datatype) {
    return datatype && datatype.indexOf(XSD) === 0 ? datatype.slice(XSD.length) : null;
  }

  function isDate(term) {
    return !!term && term.type !== "uri" && term.type !== "bnode" && (datatypeName(term.datatype) in DATES);
  }

  function isNumber(term) {
    return !!term && term.type !== "uri" && term.type !== "bnode" && NUMBERS.indexOf(datatypeName(term.datatype)) >= 0;
  }

  /* The text a term reads as: a literal's value, an IRI's prefixed name, a blank node's label. */
  function text(term, prefixes) {
    if (!term) { return ""; }
    if (term.type === "uri") { return curie(term.value, prefixes) || term.value; }
    if (term.type === "bnode") { return "_:" + term.value; }
    return term.value;
  }

  /* RDF syntax of a term, for the tooltip ("2019-06-05"^^xsd:date). */
  function syntax(term, prefixes) {
    if (term.type === "uri") { return "<" + term.value + ">"; }
    if (term.type === "bnode") { return "_:" + term.value; }
    var quoted = JSON.stringify(term.value);
    if (term["xml:lang"]) { return quoted + "@" + term["xml:lang"]; }
    if (term.datatype) { return quoted + "^^" + (curie(term.datatype, prefixes) || "<" + term.datatype + ">"); }
    return quoted;
  }

  /* A term as an element: a link for IRIs, the value with a small note for literals. */
  function termElement(term, prefixes) {
    if (!term) { return el("span", "unbound", ""); }
    if (term.type === "uri") {
      var target = href(term.value);
      var shown = text(term, prefixes);
      var node = target.url ? el("a", target.local ? "iri local" : "iri external", shown) : el("span", "iri", shown);
      if (target.url) {
        node.href = target.url;
        if (!target.local) { node.rel = "noopener"; node.target = "_blank"; }
      }
      node.title = term.value;
      return node;
    }
    var span = el("span", term.type === "bnode" ? "bnode" : "literal", text(term, prefixes));
    span.title = syntax(term, prefixes);
    var note = term["xml:lang"] ? "@" + term["xml:lang"] : (datatypeName(term.datatype) || "");
    if (term.datatype === XSD + "anyURI" && /^https?:\/\//.test(term.value)) {
      var a = el("a", "iri external", term.value);
      a.href = term.value; a.rel = "noopener"; a.target = "_blank";
      span.textContent = "";
      span.appendChild(a);
    }
    if (note && note !== "string") {
      span.appendChild(el("span", "note", note));
    }
    return span;
  }

  function icon(symbol) {
    var node = el("span", "ipkg-icon", symbol);
    node.setAttribute("aria-hidden", "true");
    return node;
  }

  function hasResults(yasr) {
    var r = yasr.results;
    return !!r && !r.getError();
  }

  function isGraphResult(yasr) {
    var r = yasr.results;
    if (!hasResults(yasr)) { return false; }
    var type = "";
    try { type = r.getType(); } catch (e) { return false; }
    return type === "ttl";
  }

  function bindings(yasr) {
    try { return yasr.results.getBindings() || []; } catch (e) { return []; }
  }

  function variables(yasr) {
    try { return yasr.results.getVariables() || []; } catch (e) { return []; }
  }

  // ------------------------------------------------------------------ Values

  function Values(yasr) {
    this.yasr = yasr;
    this.priority = 15;
    this.label = "Values";
    this.pageSize = 500;
  }
  Values.prototype.getIcon = function () { return icon("▦"); };
  Values.prototype.canHandleResults = function () {
    if (!hasResults(this.yasr) || isGraphResult(this.yasr)) { return false; }
    return this.yasr.results.getBoolean() !== undefined || variables(this.yasr).length > 0;
  };
  Values.prototype.draw = function () {
    var yasr = this.yasr;
    var root = el("div", "ipkg-view ipkg-values");
    yasr.resultsEl.appendChild(root);
    var answer = yasr.results.getBoolean();
    if (answer !== undefined) {
      root.appendChild(el("p", "ipkg-boolean " + (answer ? "yes" : "no"), answer ? "yes (true)" : "no (false)"));
      return;
    }
    var prefixes = prefixesOf(yasr);
    var vars = variables(yasr);
    var rows = bindings(yasr);
    var table = el("table", "ipkg-table");
    var head = el("tr");
    head.appendChild(el("th", "n", "#"));
    vars.forEach(function (v) { head.appendChild(el("th", null, v)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    table.appendChild(body);
    var shown = 0, size = this.pageSize;
    function more() {
      var stop = Math.min(rows.length, shown + size);
      for (; shown < stop; shown++) {
        var tr = el("tr");
        tr.appendChild(el("td", "n", String(shown + 1)));
        vars.forEach(function (v) {
          var td = el("td");
          td.appendChild(termElement(rows[shown][v], prefixes));
          tr.appendChild(td);
        });
        body.appendChild(tr);
      }
      button.hidden = shown >= rows.length;
      button.textContent = "Show " + Math.min(size, rows.length - shown) + " more of " + (rows.length - shown);
    }
    var button = el("button", "linkbutton", "");
    button.type = "button";
    button.addEventListener("click", more);
    root.appendChild(el("p", "ipkg-count", rows.length + (rows.length === 1 ? " row" : " rows")));
    if (rows.length) { root.appendChild(table); }
    root.appendChild(button);
    more();
  };
  Values.prototype.download = function () {
    var yasr = this.yasr;
    return {
      contentType: "text/csv", filename: "results.csv", title: "Download results as CSV",
      getData: function () { return yasr.results.asCsv(); }
    };
  };

  // ------------------------------------------------------------------ Timeline

  function dateColumn(yasr) {
    var rows = bindings(yasr);
    var vars = variables(yasr);
    for (var i = 0; i < vars.length; i++) {
      for (var j = 0; j < rows.length; j++) {
        if (isDate(rows[j][vars[i]])) { return vars[i]; }
      }
    }
    return null;
  }

  /* Year as a number with the fraction of the year elapsed, for the axis. */
  function when(value) {
    var m = /^(-?\d{4,})(?:-(\d\d))?(?:-(\d\d))?/.exec(value);
    if (!m) { return null; }
    var year = parseInt(m[1], 10), month = m[2] ? parseInt(m[2], 10) : 1, day = m[3] ? parseInt(m[3], 10) : 1;
    return year + ((month - 1) * 30.5 + (day - 1)) / 366;
  }

  function Timeline(yasr) {
    this.yasr = yasr;
    this.priority = 8;
    this.label = "Timeline";
  }
  Timeline.prototype.getIcon = function () { return icon("⏱"); };
  Timeline.prototype.canHandleResults = function () {
    return hasResults(this.yasr) && !isGraphResult(this.yasr) && dateColumn(this.yasr) !== null;
  };
  Timeline.prototype.draw = function () {
    var yasr = this.yasr;
    var prefixes = prefixesOf(yasr);
    var column = dateColumn(yasr);
    var vars = variables(yasr).filter(function (v) { return v !== column; });
    var entries = [];
    bindings(yasr).forEach(function (row) {
      var date = row[column];
      if (!isDate(date) || when(date.value) === null) { return; }
      var link = null, label = null;
      vars.forEach(function (v) {
        var term = row[v];
        if (!term) { return; }
        if (term.type === "uri" && !link) { link = term; }
        if (term.type !== "uri" && term.type !== "bnode" && !isDate(term) && !label) { label = term; }
      });
      entries.push({ date: date, at: when(date.value), link: link, label: label, row: row });
    });
    entries.sort(function (a, b) { return a.at - b.at || a.date.value.localeCompare(b.date.value); });
    var root = el("div", "ipkg-view ipkg-timeline");
    yasr.resultsEl.appendChild(root);
    root.appendChild(el("p", "ipkg-count", entries.length + " dated " + (entries.length === 1 ? "row" : "rows") +
      " by ?" + column + (entries.length < bindings(yasr).length ? " (" + (bindings(yasr).length - entries.length) + " without a date left out)" : "")));
    if (!entries.length) { return; }
    root.appendChild(axis(entries));
    var list = el("ol", "ipkg-events");
    var year = null;
    entries.forEach(function (entry) {
      var y = /^-?\d{4,}/.exec(entry.date.value)[0];
      if (y !== year) {
        year = y;
        list.appendChild(el("li", "year", y));
      }
      var item = el("li", "event");
      var time = el("time", null, entry.date.value);
      time.setAttribute("datetime", entry.date.value);
      time.title = syntax(entry.date, prefixes);
      item.appendChild(time);
      var name = entry.label ? entry.label.value : (entry.link ? text(entry.link, prefixes) : "");
      if (entry.link && href(entry.link.value).url) {
        var a = termElement(entry.link, prefixes);
        a.textContent = name;
        item.appendChild(a);
      } else {
        item.appendChild(el("span", null, name));
      }
      var rest = vars.filter(function (v) {
        var t = entry.row[v];
        return t && t !== entry.link && t !== entry.label;
      });
      if (rest.length) {
        var extra = el("span", "more");
        rest.forEach(function (v) {
          extra.appendChild(document.createTextNode(" · " + v + ": "));
          extra.appendChild(termElement(entry.row[v], prefixes));
        });
        item.appendChild(extra);
      }
      list.appendChild(item);
    });
    root.appendChild(list);
  };

  function axis(entries) {
    var width = 1000, height = 64, pad = 30;
    var first = Math.floor(entries[0].at), last = Math.floor(entries[entries.length - 1].at) + 1;
    if (last - first < 2) { first -= 1; last += 1; }
    var span = last - first;
    function x(at) { return pad + (at - first) / span * (width - 2 * pad); }
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, "class": "ipkg-axis", role: "img" });
    chart.setAttribute("aria-label", "timeline from " + first + " to " + last);
    chart.appendChild(svg("line", { x1: pad, x2: width - pad, y1: 40, y2: 40, "class": "rule" }));
    var step = [1, 2, 5, 10, 20, 25, 50, 100].filter(function (s) { return span / s <= 12; })[0] || 200;
    for (var year = Math.ceil(first / step) * step; year <= last; year += step) {
      chart.appendChild(svg("line", { x1: x(year), x2: x(year), y1: 36, y2: 44, "class": "tick" }));
      var label = svg("text", { x: x(year), y: 60, "text-anchor": "middle", "class": "tick-label" });
      label.textContent = String(year);
      chart.appendChild(label);
    }
    entries.forEach(function (entry) {
      var dot = svg("circle", { cx: x(entry.at), cy: 40, r: 5, "class": "dot precision-" + precision(entry.date) });
      var title = svg("title");
      title.textContent = entry.date.value + (entry.label ? " — " + entry.label.value : "");
      dot.appendChild(title);
      chart.appendChild(dot);
    });
    return chart;
  }

  function precision(date) {
    return { 3: "day", 2: "month", 1: "year" }[DATES[datatypeName(date.datatype)]] || "day";
  }

  // ------------------------------------------------------------------ Chart

  function numberColumns(yasr) {
    var rows = bindings(yasr);
    return variables(yasr).filter(function (v) {
      var seen = false;
      for (var i = 0; i < rows.length; i++) {
        if (!rows[i][v]) { continue; }
        if (!isNumber(rows[i][v])) { return false; }
        seen = true;
      }
      return seen;
    });
  }

  function Chart(yasr) {
    this.yasr = yasr;
    this.priority = 7;
    this.label = "Chart";
    this.maxBars = 200;
  }
  Chart.prototype.getIcon = function () { return icon("▥"); };
  Chart.prototype.canHandleResults = function () {
    return hasResults(this.yasr) && !isGraphResult(this.yasr) && bindings(this.yasr).length > 0 &&
      numberColumns(this.yasr).length > 0;
  };
  Chart.prototype.draw = function () {
    var yasr = this.yasr;
    var prefixes = prefixesOf(yasr);
    var numeric = numberColumns(yasr);
    var value = numeric[0];
    var labels = variables(yasr).filter(function (v) { return numeric.indexOf(v) < 0; });
    var rows = bindings(yasr).slice(0, this.maxBars);
    var root = el("div", "ipkg-view ipkg-chart");
    yasr.resultsEl.appendChild(root);
    root.appendChild(el("p", "ipkg-count", "?" + value + " per row" + (labels.length ? ", labelled by ?" + labels.join(", ?") : "") +
      (bindings(yasr).length > rows.length ? " (first " + rows.length + " rows)" : "")));
    var max = 0;
    rows.forEach(function (row) { if (row[value]) { max = Math.max(max, Math.abs(parseFloat(row[value].value)) || 0); } });
    var list = el("ol", "ipkg-bars");
    rows.forEach(function (row, index) {
      var item = el("li");
      var name = el("span", "bar-label");
      if (labels.length) {
        labels.forEach(function (v, i) {
          if (i) { name.appendChild(document.createTextNode(" · ")); }
          name.appendChild(termElement(row[v], prefixes));
        });
      } else {
        name.textContent = "row " + (index + 1);
      }
      var amount = row[value] ? parseFloat(row[value].value) : 0;
      var track = el("span", "bar-track");
      var bar = el("span", "bar");
      bar.style.width = (max ? Math.abs(amount) / max * 100 : 0).toFixed(2) + "%";
      track.appendChild(bar);
      item.appendChild(name);
      item.appendChild(track);
      item.appendChild(el("span", "bar-value", row[value] ? row[value].value : "–"));
      list.appendChild(item);
    });
    root.appendChild(list);
  };

  // ------------------------------------------------------------------ Graph

  function Graph(yasr) {
    this.yasr = yasr;
    this.priority = 16;
    this.label = "Graph";
    this.maxNodes = 150;
  }
  Graph.prototype.getIcon = function () { return icon("⬡"); };
  Graph.prototype.canHandleResults = function () {
    if (!isGraphResult(this.yasr)) { return false; }
    try { return this.yasr.results.getStatements().length > 0; } catch (e) { return false; }
  };
  Graph.prototype.draw = function () {
    var yasr = this.yasr;
    var prefixes = prefixesOf(yasr);
    var statements = yasr.results.getStatements();
    var nodes = {}, order = [], edges = [], links = {}, limit = this.maxNodes;
    function node(term) {
      var key = term.termType + " " + term.value;
      if (!nodes[key]) {
        if (order.length >= limit) { return null; }
        nodes[key] = { key: key, term: term, label: null, literals: [], x: 0, y: 0, vx: 0, vy: 0 };
        order.push(nodes[key]);
      }
      return nodes[key];
    }
    statements.forEach(function (st) {
      var s = node(st.subject);
      if (!s) { return; }
      if (st.object.termType === "Literal") {
        if (st.predicate.value === RDFS_LABEL && (!s.label || (st.object.language || "").indexOf("en") === 0)) {
          s.label = st.object.value;
        }
        s.literals.push((curie(st.predicate.value, prefixes) || st.predicate.value) + ": " + st.object.value);
        return;
      }
      var o = node(st.object);
      if (!o) { return; }
      var name = curie(st.predicate.value, prefixes) || st.predicate.value;
      var pair = s.key + " > " + o.key;
      if (links[pair]) {  // parallel edges (ipkgo:hasPart and its Wikidata twin wdt:P527): one line, both names
        if (links[pair].names.indexOf(name) < 0) { links[pair].names.push(name); }
        return;
      }
      links[pair] = { from: s, to: o, names: [name] };
      edges.push(links[pair]);
    });
    edges.forEach(function (e) {  // ipkg's own property first; the others (its Wikidata twin …) in the tooltip
      e.names.sort(function (a, b) { return (a.indexOf("ipkgo:") !== 0) - (b.indexOf("ipkgo:") !== 0) || a.localeCompare(b); });
      e.title = e.names.join(", ");
      e.label = e.names[0] + (e.names.length > 1 ? " +" + (e.names.length - 1) : "");
    });
    var root = el("div", "ipkg-view ipkg-graph");
    yasr.resultsEl.appendChild(root);
    root.appendChild(el("p", "ipkg-count", order.length + " nodes, " + edges.length + " links between them (" +
      statements.length + " triples; literal values are listed in each node's tooltip)"));
    layout(order, edges);
    root.appendChild(drawGraph(order, edges, prefixes));
  };

  /* A small force-directed layout: springs along edges, repulsion between nodes, a pull to the centre. */
  function layout(nodes, edges) {
    var n = nodes.length;
    nodes.forEach(function (node, i) {
      var angle = 2 * Math.PI * i / Math.max(n, 1), radius = 40 + 12 * Math.sqrt(n);
      node.x = radius * Math.cos(angle);
      node.y = radius * Math.sin(angle);
    });
    var length = 150, steps = 400;
    for (var step = 0; step < steps; step++) {
      var cooling = 1 - step / steps;
      for (var i = 0; i < n; i++) {
        for (var j = i + 1; j < n; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy + 0.01;
          var force = 9000 / d2;
          var d = Math.sqrt(d2);
          a.vx += force * dx / d; a.vy += force * dy / d;
          b.vx -= force * dx / d; b.vy -= force * dy / d;
        }
      }
      edges.forEach(function (e) {
        var dx = e.to.x - e.from.x, dy = e.to.y - e.from.y, d = Math.sqrt(dx * dx + dy * dy) + 0.01;
        var pull = (d - length) * 0.05;
        e.from.vx += pull * dx / d; e.from.vy += pull * dy / d;
        e.to.vx -= pull * dx / d; e.to.vy -= pull * dy / d;
      });
      nodes.forEach(function (node) {
        node.vx -= node.x * 0.01; node.vy -= node.y * 0.01;
        var speed = Math.sqrt(node.vx * node.vx + node.vy * node.vy), max = 30 * cooling + 1;
        if (speed > max) { node.vx *= max / speed; node.vy *= max / speed; }
        node.x += node.vx; node.y += node.vy;
        node.vx *= 0.5; node.vy *= 0.5;
      });
    }
  }

  function drawGraph(nodes, edges, prefixes) {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    nodes.forEach(function (node) {
      minX = Math.min(minX, node.x); maxX = Math.max(maxX, node.x);
      minY = Math.min(minY, node.y); maxY = Math.max(maxY, node.y);
    });
    var margin = 90;
    var chart = svg("svg", {
      viewBox: [minX - margin, minY - margin / 2, maxX - minX + 2 * margin, maxY - minY + margin].join(" "),
      "class": "ipkg-graph-svg", role: "img"
    });
    chart.setAttribute("aria-label", "graph of " + nodes.length + " nodes");
    var defs = svg("defs");
    var marker = svg("marker", { id: "ipkg-arrow", viewBox: "0 0 10 10", refX: 18, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "arrow" }));
    defs.appendChild(marker);
    chart.appendChild(defs);
    var labelled = edges.length <= 60;
    edges.forEach(function (e) {
      var line = svg("line", { x1: e.from.x, y1: e.from.y, x2: e.to.x, y2: e.to.y, "class": "edge", "marker-end": "url(#ipkg-arrow)" });
      var tip = svg("title");
      tip.textContent = e.title;
      line.appendChild(tip);
      chart.appendChild(line);
      if (!labelled) { return; }
      var label = svg("text", { x: (e.from.x + e.to.x) / 2, y: (e.from.y + e.to.y) / 2 - 3, "text-anchor": "middle", "class": "edge-label" });
      label.textContent = e.label.length > 34 ? e.label.slice(0, 32) + "…" : e.label;
      chart.appendChild(label);
    });
    nodes.forEach(function (node) {
      var term = node.term;
      var group = svg("g", { "class": "node " + (term.termType === "BlankNode" ? "bnode" : "iri") });
      var target = term.termType === "NamedNode" ? href(term.value) : { url: null };
      var holder = group;
      if (target.url) {
        var a = svg("a", { href: target.url, "class": "node-link" + (target.local ? " local" : "") });
        if (!target.local) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener"); }
        group.appendChild(a);
        holder = a;
      }
      holder.appendChild(svg("circle", { cx: node.x, cy: node.y, r: 9 }));
      var name = node.label || (term.termType === "NamedNode" ? curie(term.value, prefixes) || term.value : "_:" + term.value);
      var label = svg("text", { x: node.x, y: node.y + 22, "text-anchor": "middle", "class": "node-label" });
      label.textContent = name.length > 32 ? name.slice(0, 30) + "…" : name;
      holder.appendChild(label);
      var title = svg("title");
      title.textContent = [term.value].concat(node.literals.slice(0, 12)).join("\n");
      holder.appendChild(title);
      chart.appendChild(group);
    });
    return chart;
  }

  // ------------------------------------------------------------------ registration

  var ORDER = ["values", "timeline", "chart", "graph", "table", "response"];

  window.IpkgViews = {
    ORDER: ORDER,
    text: text,
    href: href,
    /* Register the views on YASR; ``settings``: siteBase, localRoot and the predeclared prefixes. */
    register: function (Yasr, settings) {
      Object.keys(settings || {}).forEach(function (key) { options[key] = settings[key]; });
      Yasr.registerPlugin("values", Values);
      Yasr.registerPlugin("timeline", Timeline);
      Yasr.registerPlugin("chart", Chart);
      Yasr.registerPlugin("graph", Graph);
      var Table = Yasr.plugins.table;
      if (Table) {  // YASR's own table, renamed: it shows the RDF terms ("2019-06-05"^^xsd:date)
        var Terms = class extends Table {
          constructor(yasr) { super(yasr); this.label = "RDF terms"; }
        };
        Yasr.registerPlugin("table", Terms);
      }
      Yasr.defaults.pluginOrder = ORDER.slice();
      Yasr.defaults.defaultPlugin = "values";
    }
  };
})();
