/* ipkg's query page: YASGUI with permalinks, a remembered editor, the example questions,
 * a running-query bar (elapsed time, cancel), hints (warnings from the endpoint, "this needs
 * inference"), and errors shown inside the results area with the setting that governs them.
 *
 * What the editor opens with, first match wins:
 *   1. a permalink, /#query=…&infer=…(&view=…) — also the links of YASGUI's share button;
 *   2. /?query=…(&infer=…) or /?example=<slug> (read by the server into #initial-data);
 *   3. the query last edited in this browser (localStorage), with its inference setting;
 *   4. the starter query, with inferred triples included, as the API's default (infer=true).
 * While one edits, the address bar always holds the permalink of what the editor shows.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "ipkg.query-ui.v1";
  var examples = JSON.parse(document.getElementById("examples-data").textContent);
  var initialEl = document.getElementById("initial-data");
  var initial = JSON.parse(initialEl.textContent);
  var siteBase = initialEl.getAttribute("data-base");
  var localRoot = initialEl.getAttribute("data-root");
  var inferBox = document.getElementById("infer");
  var current = document.getElementById("current");
  var statusEl = document.getElementById("status");
  var hintsEl = document.getElementById("hints");
  var editorEl = document.getElementById("yasgui");
  var linkButton = document.getElementById("permalink");
  var yasgui = null, endpoint = null, selectedSlug = initial.slug;

  // ------------------------------------------------------------------ state: URL, storage

  function truthy(value, fallback) {
    if (value === null || value === undefined || value === "") { return fallback; }
    return !/^(false|0|no|off)$/i.test(String(value));
  }

  /* The permalink in the address bar's fragment (WDQS style, or YASGUI's share link), or null. */
  function fromHash() {
    var fragment = window.location.hash.replace(/^#/, "");
    if (!fragment) { return null; }
    var params = new URLSearchParams(fragment);
    if (!params.has("query")) { return null; }
    return { query: params.get("query"), infer: truthy(params.get("infer"), true),
             view: params.get("view") || params.get("outputFormat") || null };
  }

  function stored() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      return saved && typeof saved.query === "string" ? saved : null;
    } catch (e) { return null; }
  }

  function store(state) {
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function permalink(state) {
    var fragment = "query=" + encodeURIComponent(state.query) + "&infer=" + (state.infer ? "true" : "false");
    if (state.view && state.view !== "values") { fragment += "&view=" + encodeURIComponent(state.view); }
    var url = new URL(window.location.href);
    url.hash = fragment;
    if (!selectedSlug) { url.search = ""; }
    return url.href;
  }

  var start = fromHash() || (initial.explicit ? { query: initial.query, infer: initial.infer } : null) || stored() ||
    { query: initial.query, infer: initial.infer };
  if (fromHash()) { selectedSlug = null; }
  inferBox.checked = !!start.infer;

  // ------------------------------------------------------------------ the editor

  function queryText() {
    if (yasgui) { return yasgui.getTab().getQuery(); }
    var area = document.getElementById("query");
    return area ? area.value : "";
  }

  function currentView() {
    if (!yasgui) { return null; }
    var yasr = yasgui.getTab().getYasr();
    return yasr ? yasr.getSelectedPluginName() : null;
  }

  function state() {
    return { query: queryText(), infer: inferBox.checked, view: currentView() };
  }

  var saving = null;
  function remember() {
    window.clearTimeout(saving);
    saving = window.setTimeout(function () {
      var now = state();
      store(now);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", permalink(now));
      }
    }, 250);
  }

  function applyInfer() {
    var on = inferBox.checked;
    var field = document.getElementById("infer-field");
    if (field) { field.value = on ? "true" : "false"; }
    if (yasgui) {
      yasgui.getTab().setRequestConfig({ endpoint: endpoint, args: [{ name: "infer", value: on ? "true" : "false" }] });
    }
  }

  function setQuery(text) {
    if (yasgui) {
      yasgui.getTab().setQuery(text);
    } else {
      var area = document.getElementById("query");
      if (area) { area.value = text; }
    }
  }

  if (editorEl && window.Yasgui) {
    endpoint = new URL(editorEl.getAttribute("data-endpoint"), window.location.href).href;
    var Yasr = window.Yasgui.Yasr;
    if (window.IpkgViews) {
      window.IpkgViews.register(Yasr, { siteBase: siteBase, localRoot: localRoot, prefixes: initial.prefixes });
    }
    Yasr.defaults.errorRenderers = [renderError];
    yasgui = new window.Yasgui(editorEl, {
      requestConfig: {
        endpoint: endpoint,
        method: "POST",
        // JSON errors (status, message, line, column) for the error view; results as usual
        acceptHeaderSelect: "application/sparql-results+json,application/json;q=0.9,*/*;q=0.8",
        acceptHeaderGraph: "text/turtle,application/json;q=0.9,*/*;q=0.8",
        args: [{ name: "infer", value: start.infer ? "true" : "false" }]
      },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      // no "prefixes" completer: it fetches a prefix list from the network and adds PREFIX lines
      yasqe: { autocompleters: ["variables"], editorHeight: "300px" },
      yasr: { prefixes: initial.prefixes, defaultPlugin: start.view || "values" }
    });
    yasgui.on("tabSelect", function () { setTimeout(function () { applyInfer(); watch(yasgui.getTab()); }, 0); });
    yasgui.on("tabChange", remember);
    yasgui.on("query", function (instance, tab) { watch(tab); running(tab); });
    yasgui.on("queryAbort", function () { finished("cancelled"); });
  }

  // ------------------------------------------------------------------ running: spinner, elapsed, cancel

  var timer = null, startedAt = 0;

  function running(tab) {
    clearHints();
    startedAt = Date.now();
    statusEl.hidden = false;
    statusEl.className = "status running";
    statusEl.textContent = "";
    var spinner = document.createElement("span");
    spinner.className = "spinner";
    spinner.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "elapsed";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "cancel";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () {
      var yasqe = tab.getYasqe();
      if (yasqe) { yasqe.abortQuery(); }
    });
    statusEl.appendChild(spinner);
    statusEl.appendChild(label);
    statusEl.appendChild(cancel);
    function tick() { label.textContent = "Running… " + ((Date.now() - startedAt) / 1000).toFixed(1) + " s"; }
    tick();
    window.clearInterval(timer);
    timer = window.setInterval(tick, 100);
  }

  function finished(outcome, detail) {
    if (!timer) { return; }
    window.clearInterval(timer);
    timer = null;
    var seconds = ((Date.now() - startedAt) / 1000).toFixed(2) + " s";
    statusEl.className = "status " + outcome;
    statusEl.textContent = {
      done: (detail || "done") + " in " + seconds,
      failed: "failed after " + seconds + (detail ? " (" + detail + ")" : ""),
      cancelled: "cancelled after " + seconds + " (the server stops the query at its time limit, query_timeout)"
    }[outcome];
  }

  /* The editor's syntax check knows the predeclared prefixes: "ipkgo:State" without a PREFIX line is fine. */
  function predeclare(yasqe) {
    var mode = yasqe.getMode && yasqe.getMode();
    if (!mode || !mode.startState || mode.ipkgPredeclared) { return; }
    var startState = mode.startState;
    mode.startState = function () {
      var first = startState.apply(this, arguments);
      Object.keys(initial.prefixes).forEach(function (p) { first.prefixes[p] = initial.prefixes[p]; });
      return first;
    };
    mode.ipkgPredeclared = true;
    yasqe.setValue(yasqe.getValue());  // tokenize again from the new start state
  }

  var watched = typeof WeakSet === "function" ? new WeakSet() : null;
  function watch(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || !watched || watched.has(yasqe)) { return; }
    watched.add(yasqe);
    predeclare(yasqe);
    yasqe.on("queryResponse", function (instance, response) { answered(tab, response); });
    yasqe.on("change", remember);
    var yasr = tab.getYasr();
    if (yasr) {
      // The selected view cannot show these results (a Timeline, then a DESCRIBE): YASR shows the best
      // view that can; make that the selected one instead of printing a "could not render" notice.
      yasr.fillFallbackBox = function (drawn) { if (drawn) { yasr.selectedPlugin = drawn; } };
      yasr.on("change", remember);
    }
  }

  function answered(tab, response) {
    if (!response || response instanceof Error || !response.ok) {
      var aborted = response && /abort/i.test(String(response.message || response.name || ""));
      if (aborted) { finished("cancelled"); return; }
      var info = errorInfo(response && response.message);
      finished("failed", info && info.status ? "HTTP " + info.status : null);
      if (info && info.line) { markLine(tab, info.line); }
      return;
    }
    var summary = describe(response);
    finished("done", summary.text);
    var warnings = parseWarnings(response.headers && response.headers.get("Ipkg-Warning"));
    warnings.forEach(function (w) { hint("warning", w); });
    if (summary.empty && !inferBox.checked) { checkInference(summary); }
  }

  function describe(response) {
    var type = (response.headers && response.headers.get("Content-Type")) || "";
    if (type.indexOf("json") >= 0) {
      try {
        var data = JSON.parse(response.content);
        if (typeof data.boolean === "boolean") { return { text: "answer: " + data.boolean, empty: !data.boolean, ask: true }; }
        var rows = data.results.bindings.length;
        return { text: rows + (rows === 1 ? " row" : " rows"), empty: rows === 0 };
      } catch (e) { return { text: "done", empty: false }; }
    }
    var triples = (response.content || "").trim() ? null : 0;
    return { text: triples === 0 ? "no triples" : "graph", empty: triples === 0 };
  }

  /* RFC 8941 list of strings: "a", "b \"c\"" */
  function parseWarnings(header) {
    var out = [];
    if (!header) { return out; }
    var pattern = /"((?:[^"\\]|\\.)*)"/g, match;
    while ((match = pattern.exec(header)) !== null) {
      var value = match[1].replace(/\\(.)/g, "$1");
      try { value = decodeURIComponent(value.replace(/%(?![0-9A-Fa-f]{2})/g, "%25")); } catch (e) { /* keep */ }
      out.push(value);
    }
    return out;
  }

  // ------------------------------------------------------------------ hints

  function clearHints() {
    hintsEl.textContent = "";
    hintsEl.hidden = true;
  }

  function hint(kind, message, action) {
    var item = document.createElement("p");
    item.className = "hint " + kind;
    item.textContent = message;
    if (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "linkbutton";
      button.textContent = action.label;
      button.addEventListener("click", action.run);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button);
    }
    hintsEl.appendChild(item);
    hintsEl.hidden = false;
  }

  /* Nothing without the inferred graph: would the inferred graph answer? Ask once more, with it. */
  function checkInference(summary) {
    var text = queryText();
    var body = new URLSearchParams({ query: text, infer: "true" });
    fetch(endpoint, { method: "POST", body: body, headers: { Accept: "application/sparql-results+json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || queryText() !== text || inferBox.checked) { return; }
        var found = typeof data.boolean === "boolean" ? (data.boolean ? 1 : 0) : data.results.bindings.length;
        if (!found) { return; }
        var what = summary.ask ? "true" : found + (found === 1 ? " row" : " rows");
        hint("inference", (summary.ask ? "false" : "No rows") + " without the inferred triples, but " + what +
          " with them: this query needs inference (OWL 2 RL).", {
          label: "Include inferred triples and run again",
          run: function () { inferBox.checked = true; applyInfer(); remember(); yasgui.getTab().query(); }
        });
      })
      .catch(function () { /* only a hint */ });
  }

  // ------------------------------------------------------------------ errors inside the results area

  function errorInfo(text) {
    if (!text) { return null; }
    try {
      var data = JSON.parse(text);
      return data && typeof data === "object" ? data : { message: String(text) };
    } catch (e) { return { message: String(text) }; }
  }

  var TITLES = {
    "timeout": "The query ran past the time limit",
    "syntax-error": "The query has a syntax error",
    "result-too-large": "Too many results",
    "evaluation-error": "The query could not be evaluated",
    "forbidden": "Not allowed",
    "bad-gateway": "A SERVICE endpoint failed",
    "query-too-large": "The query is too long"
  };

  function renderError(error) {
    var text = error && error.text ? error.text : "";
    var box = document.createElement("div");
    box.className = "ipkg-error";
    if (/abort/i.test(text)) {
      box.appendChild(paragraph("title", "Query cancelled."));
      return Promise.resolve(box);
    }
    var info = errorInfo(text) || { message: "no answer from the endpoint" };
    var title = TITLES[info.error] || (info.status ? "The endpoint answered " + info.status : "The query failed");
    box.appendChild(paragraph("title", title + (info.status ? " (HTTP " + info.status + ")" : "")));
    var message = document.createElement("pre");
    message.className = "message";
    message.textContent = info.message || text;
    box.appendChild(message);
    if (info.error === "timeout") {
      box.appendChild(paragraph("setting", "The server stops a query after " + initial.timeout + " s: that is its " +
        "query_timeout setting (IPKG_QUERY_TIMEOUT, or ipkg serve --query-timeout). A request may ask for less with " +
        "timeout=SECONDS. Narrow the patterns or add a LIMIT."));
    } else if (info.error === "result-too-large") {
      box.appendChild(paragraph("setting", "At most " + initial.maxRows + " rows are returned: the max_result_rows " +
        "setting (IPKG_MAX_RESULT_ROWS). Add a LIMIT, or page with LIMIT and OFFSET."));
    } else if (info.error === "syntax-error" && info.line) {
      box.appendChild(paragraph("setting", "Line " + info.line + (info.column ? ", column " + info.column : "") +
        " is marked in the editor."));
    }
    return Promise.resolve(box);
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  var marked = null;
  function markLine(tab, line) {
    var yasqe = tab.getYasqe();
    if (!yasqe || !yasqe.addLineClass) { return; }
    if (marked !== null) { yasqe.removeLineClass(marked, "background", "ipkg-error-line"); }
    marked = yasqe.addLineClass(Math.max(line - 1, 0), "background", "ipkg-error-line");
    yasqe.on("change", function clear() {
      if (marked !== null) { yasqe.removeLineClass(marked, "background", "ipkg-error-line"); marked = null; }
      yasqe.off("change", clear);
    });
  }

  // ------------------------------------------------------------------ examples, links, filter

  function select(slug) {
    var example = null;
    for (var i = 0; i < examples.length; i++) { if (examples[i].slug === slug) { example = examples[i]; } }
    if (!example) { return; }
    selectedSlug = slug;
    setQuery(example.query);
    inferBox.checked = example.infer;
    applyInfer();
    clearHints();
    if (current) { current.textContent = example.question; }
    var links = document.querySelectorAll("a.example");
    for (var j = 0; j < links.length; j++) {
      links[j].classList.toggle("selected", links[j].getAttribute("data-slug") === slug);
    }
  }

  // Result links to ipkg resources open their page on this server, not the w3id.org IRI.
  function localize(event) {
    var a = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!a) { return; }
    var target = a.getAttribute("href");
    if (target.indexOf(siteBase + "id/") === 0 || target.indexOf(siteBase + "ontology") === 0) {
      a.setAttribute("href", localRoot + target.slice(siteBase.length));
    }
  }
  ["mouseover", "focusin", "click", "auxclick", "contextmenu"].forEach(function (name) {
    document.addEventListener(name, localize, true);
  });

  var filter = document.getElementById("filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var items = document.querySelectorAll("#examples li");
      for (var i = 0; i < items.length; i++) {
        var text = items[i].textContent.toLowerCase();
        items[i].hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      }
    });
  }
  var chosen = document.querySelector("a.example.selected");
  if (chosen && chosen.scrollIntoView) { chosen.scrollIntoView({ block: "nearest" }); }

  inferBox.addEventListener("change", function () { applyInfer(); clearHints(); remember(); });
  var links = document.querySelectorAll("a.example");
  for (var k = 0; k < links.length; k++) {
    links[k].addEventListener("click", function (event) {
      event.preventDefault();
      var slug = this.getAttribute("data-slug");
      select(slug);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "?example=" + encodeURIComponent(slug));
      }
    });
  }
  if (linkButton) {
    linkButton.addEventListener("click", function () {
      var link = permalink(state());
      if (window.history && window.history.replaceState) { window.history.replaceState(null, "", link); }
      var done = function () { linkButton.textContent = "Link copied"; setTimeout(function () { linkButton.textContent = "Copy link"; }, 2000); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(done, function () { window.prompt("Link to this query:", link); });
      } else {
        window.prompt("Link to this query:", link);
      }
    });
  }

  if (yasgui) {
    watch(yasgui.getTab());
    setQuery(start.query);
  } else {
    setQuery(start.query);
  }
  if (!selectedSlug && current) { current.textContent = ""; }
  // A permalink pasted into this tab changes only the fragment: open it too.
  window.addEventListener("hashchange", function () {
    var linked = fromHash();
    if (!linked || (linked.query === queryText() && linked.infer === inferBox.checked)) { return; }
    selectedSlug = null;
    if (current) { current.textContent = ""; }
    setQuery(linked.query);
    inferBox.checked = linked.infer;
    applyInfer();
    clearHints();
  });
  applyInfer();
  window.ipkgQueryPage = { permalink: function () { return permalink(state()); }, state: state, yasgui: yasgui };
})();
