"""Entity pages: every resource IRI of the graph dereferences at the endpoint.

``/id/<slug>`` answers for ``https://w3id.org/ipkg/id/<slug>`` (sources and
sentences included: ``/id/source/…``), ``/ontology`` for the ontology and its
terms (``…/ontology#Term``; the fragment never reaches the server, so the
page has one anchor per term). Both negotiate like the rest of the endpoint
(``Accept`` or ``format=``): Turtle, JSON-LD, N-Triples, RDF/XML, TriG,
N-Quads, or HTML for a browser.

A resource's description is every triple with the resource as subject, in
any graph of the dataset, plus the incoming triples (resource as object), plus
the blank nodes its values lead to. A triple is *inferred* when the
``…/graph/inferred`` graph is the only one holding it. The quad formats keep
the named graphs, so they show the same split as the HTML page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from flask import Blueprint, Response, render_template, request, url_for
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ipkg import jsonld
from ipkg.errors import NotFound
from ipkg.namespaces import (
    BASE,
    GRAPH_BASE,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    IPKG,
    IPKGO,
    PREFIXES,
    WD,
    WDT,
)
from ipkg.serve.negotiation import GRAPH_TYPES, Choice, negotiate, prefers_html
from ipkg.serve.responses import rdf_response
from ipkg.serve.state import context_url, state

bp = Blueprint("entities", __name__, template_folder="templates")

ONTOLOGY_IRI = URIRef(BASE + "ontology")
"""The ``owl:Ontology`` resource; its terms are ``ONTOLOGY_IRI#Term``."""

HTML_FORMATS = frozenset({"html", "text/html"})
"""``format=`` values that ask for the HTML page."""

ALTERNATES = (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"), ("TriG", "trig"))
"""Links to the other representations, shown on every HTML page."""

UNSAFE_SLUG = re.compile(r"[\s<>\"{}|\\^`]")
"""Characters that cannot occur in an IRI: such a slug names no resource."""

SOURCE_PREDICATES = (PROV.wasDerivedFrom,)
LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
DEFINITION_PREDICATES = (SKOS.definition, RDFS.comment, DCTERMS.description)

EVENT_ROLES = ((IPKGO.participant, "participant"), (IPKGO.location, "venue"))
"""(event → resource) properties that put an event on a resource's timeline, with the role shown."""

MAX_BNODE_DEPTH = 3

VOCABULARY_LABELS = {
    RDF.type: "type",
    RDFS.label: "label",
    RDFS.comment: "comment",
    RDFS.seeAlso: "see also",
    RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of",
    RDFS.domain: "domain",
    RDFS.range: "range",
    OWL.sameAs: "same as",
    OWL.inverseOf: "inverse of",
    OWL.equivalentClass: "equivalent class",
    OWL.equivalentProperty: "equivalent property",
    SKOS.prefLabel: "preferred label",
    SKOS.altLabel: "alternative label",
    SKOS.definition: "definition",
    SKOS.note: "note",
    PROV.wasDerivedFrom: "derived from",
    DCTERMS.title: "title",
}
"""Names of standard terms the ontology does not label, so pages read as English."""


# --------------------------------------------------------------------------- routes


@bp.route("/id/<path:slug>")
def entity(slug: str) -> Response:
    """The description of ``https://w3id.org/ipkg/id/<slug>``.

    Raises:
        NotFound: no triple of the dataset mentions the resource.
    """
    if UNSAFE_SLUG.search(slug):
        raise NotFound(f"no resource {str(IPKG)}{slug} in the knowledge graph (not a valid IRI)")
    iri = URIRef(str(IPKG) + slug)
    dataset = state().store.knowledge_graph.dataset
    description = Description(dataset, iri)
    if not description.outgoing and not description.incoming:
        raise NotFound(f"no resource <{iri}> in the knowledge graph; browse from the query page at /")
    choice = _choose()
    if choice is None:
        return _html(render_template("entity.html", page=EntityPage(description)))
    return _rdf(description.quads(), choice, frame=iri if _wants_frame() else None)


@bp.route("/ontology")
def ontology() -> Response:
    """The ontology graph: an HTML listing of its classes and properties, or RDF."""
    dataset = state().store.knowledge_graph.dataset
    graph = dataset.graph(GRAPH_ONTOLOGY)
    choice = _choose()
    if choice is None:
        return _html(render_template("ontology.html", page=OntologyPage(dataset, graph)))
    return _rdf(((s, p, o, GRAPH_ONTOLOGY) for s, p, o in graph), choice)


# --------------------------------------------------------------------------- negotiation


def _choose() -> Choice | None:
    """The RDF representation asked for, or None for HTML.

    Raises:
        NotAcceptable / BadFormatParameter: through the error table.
    """
    formats = [v for v in request.args.getlist("format") if v]
    accept = request.headers.get("Accept")
    if formats:
        if formats[0].strip().lower() in HTML_FORMATS:
            return None
        return negotiate(GRAPH_TYPES, accept, formats)
    if prefers_html(accept):
        return None
    return negotiate(GRAPH_TYPES, accept)


def _html(body: str) -> Response:
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _wants_frame() -> bool:
    """``frame=true``: JSON-LD framed on the entity (one tree) instead of a flat ``@graph``."""
    return request.args.get("frame", "").strip().lower() in ("1", "true", "yes")


def _rdf(quads: Iterable[tuple[Node, Node, Node, URIRef]], choice: Choice, *, frame: URIRef | None = None) -> Response:
    """Serialise quads: quad formats keep the graphs, triple formats merge them (a fresh graph).

    With ``frame`` and JSON-LD, the entity is the root of a framed tree; its
    incoming links, which a frame rooted at the entity cannot hold, are left out.
    """
    target: Graph
    if choice.serializer in ("trig", "nquads"):
        dataset = Dataset()
        for s, p, o, g in quads:
            dataset.graph(g).add((s, p, o))
        target = dataset
    else:
        target = Graph()
        for s, p, o, _ in quads:
            target.add((s, p, o))
    if frame is None or choice.serializer != "jsonld":
        return rdf_response(target, choice)
    body = jsonld.dumps(jsonld.compact(target, frame_id=str(frame), context_url=context_url()))
    response = Response(body, content_type=choice.content_type)
    response.headers["Vary"] = "Accept"
    return response


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Statement:
    """One triple and the named graphs that hold it."""

    subject: Node
    predicate: URIRef
    object: Node
    graphs: frozenset[URIRef]

    @property
    def inferred(self) -> bool:
        """Only the reasoner's graph holds it."""
        return self.graphs <= {GRAPH_INFERRED}

    @property
    def graph_names(self) -> str:
        """The graphs, short (``facts, links``), for a tooltip."""
        return ", ".join(sorted(str(g).removeprefix(GRAPH_BASE) for g in self.graphs))


def statements(dataset: Dataset, subject: Node | None = None, obj: Node | None = None) -> list[Statement]:
    """The triples matching ``(subject, ?, obj)`` across every named graph, each with its graphs."""
    found: dict[tuple[Node, Node, Node], set[URIRef]] = {}
    for s, p, o, g in dataset.quads((subject, None, obj, None)):
        identifier = g.identifier if isinstance(g, Graph) else g
        if isinstance(identifier, URIRef):
            found.setdefault((s, p, o), set()).add(identifier)
    return [
        Statement(s, p, o, frozenset(graphs))
        for (s, p, o), graphs in sorted(found.items(), key=lambda item: tuple(map(node_key, item[0])))
        if isinstance(p, URIRef)
    ]


def node_key(node: Node) -> tuple[str, str]:
    """A sort key for any node: its kind, then its text (Literals of different types never compare)."""
    return type(node).__name__, str(node)


class Union:
    """Reads from the union of a dataset's graphs (the endpoint's default graph), values deduplicated.

    Goes through the named graphs one by one: rdflib's own union access on a
    ``Dataset`` is deprecated.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.graphs = list(dataset.graphs())

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """Values of ``predicate`` on ``subject``, sorted."""
        return sorted({o for g in self.graphs for o in g.objects(subject, predicate)}, key=node_key)

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        """Resources with ``predicate`` ``obj``, sorted."""
        return sorted({s for g in self.graphs for s in g.subjects(predicate, obj)}, key=node_key)

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        return any(triple in g for g in self.graphs)


class Description:
    """What the dataset says about one resource."""

    def __init__(self, dataset: Dataset, iri: URIRef) -> None:
        self.dataset = dataset
        self.union = Union(dataset)
        self.iri = iri
        self.outgoing = statements(dataset, subject=iri)
        self.incoming = [st for st in statements(dataset, obj=iri) if st.subject != iri]

    def bnode_closure(self) -> list[Statement]:
        """Statements about the blank nodes the outgoing values lead to (transitively)."""
        seen: set[Node] = set()
        todo = [st.object for st in self.outgoing if isinstance(st.object, BNode)]
        out: list[Statement] = []
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for st in statements(self.dataset, subject=node):
                out.append(st)
                if isinstance(st.object, BNode):
                    todo.append(st.object)
        return out

    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every statement of the description, once per graph holding it."""
        for st in (*self.outgoing, *self.bnode_closure(), *self.incoming):
            for graph in sorted(st.graphs):
                yield st.subject, st.predicate, st.object, graph


# --------------------------------------------------------------------------- presentation


@dataclass(frozen=True)
class Term:
    """A node as shown on a page: its text, a link, and a small note (CURIE, datatype, language)."""

    text: str
    href: str | None = None
    note: str = ""
    external: bool = False
    code: bool = False


@dataclass(frozen=True)
class Row:
    """One line of a property table."""

    predicate: Term
    value: Term
    inferred: bool
    graphs: str
    details: tuple[tuple[Term, Term], ...] = ()


@dataclass(frozen=True)
class TimelineEntry:
    """An event the resource took part in."""

    event: Term
    when: str
    sort_key: str
    role: str
    types: tuple[Term, ...]


@dataclass(frozen=True)
class Evidence:
    """A source sentence (or a whole source) a resource was derived from."""

    target: Term
    quote: str | None
    source: Term | None
    url: str | None
    where: str


def curie(iri: str) -> str | None:
    """``prefix:local`` by ipkg's prefix table (longest namespace wins), or None."""
    best: tuple[str, str] | None = None
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            local = iri[len(ns) :]
            if re.fullmatch(r"[A-Za-z0-9_.\-]*", local) and not local.endswith("."):
                best = (prefix, ns)
    if best is None:
        return None
    return f"{best[0]}:{iri[len(best[1]) :]}"


def href(node: Node) -> tuple[str | None, bool]:
    """Where a node links to, and whether that is outside the endpoint."""
    if not isinstance(node, URIRef):
        return None, False
    text = str(node)
    if text.startswith(str(IPKG)):
        return url_for("entities.entity", slug=text[len(str(IPKG)) :]), False
    if text.startswith(str(IPKGO)):
        return url_for("entities.ontology") + "#" + text[len(str(IPKGO)) :], False
    if text == str(ONTOLOGY_IRI):
        return url_for("entities.ontology"), False
    return wikidata_url(text) or (text if text.startswith(("http://", "https://")) else None), True


def wikidata_url(iri: str) -> str | None:
    """The Wikidata page of an entity or a direct property IRI."""
    for namespace in (str(WD), str(WDT)):
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if re.fullmatch(r"Q\d+", local):
                return f"https://www.wikidata.org/wiki/{local}"
            if re.fullmatch(r"P\d+", local):
                return f"https://www.wikidata.org/wiki/Property:{local}"
    return None


class Labels:
    """Labels from the whole dataset (English first), cached for one page."""

    def __init__(self, union: Union) -> None:
        self.dataset = union
        self._cache: dict[Node, str | None] = {}

    def label(self, node: Node) -> str | None:
        """The English label (rdfs:label, skos:prefLabel, dcterms:title), else any label, else None."""
        if node not in self._cache:
            found: str | None = None
            fallback: str | None = None
            for predicate in LABEL_PREDICATES:
                for value in self.dataset.objects(node, predicate):
                    if not isinstance(value, Literal):
                        continue
                    if value.language and value.language.lower().startswith("en"):
                        found = str(value)
                        break
                    if fallback is None or not value.language:
                        fallback = str(value)
                if found:
                    break
            self._cache[node] = found or fallback or VOCABULARY_LABELS.get(node)  # type: ignore[call-overload]
        return self._cache[node]

    def name(self, node: Node) -> str:
        """The label, else a CURIE, else the IRI."""
        return self.label(node) or curie(str(node)) or str(node)

    def definition(self, node: Node) -> str | None:
        """The English definition or comment."""
        for predicate in DEFINITION_PREDICATES:
            values = [v for v in self.dataset.objects(node, predicate) if isinstance(v, Literal)]
            english = [v for v in values if (v.language or "en").lower().startswith("en")]
            if english or values:
                return str(sorted(english or values)[0])
        return None

    def term(self, node: Node) -> Term:
        """How ``node`` is shown as a value."""
        if isinstance(node, Literal):
            return literal_term(node)
        if isinstance(node, BNode):
            return Term("(blank node)", note="_:" + str(node)[:8])
        link, external = href(node)
        label = self.label(node)
        short = curie(str(node))
        if label:
            return Term(label, link, "" if short == label else short or "", external)
        return Term(short or str(node), link, "", external, code=True)


def literal_term(value: Literal) -> Term:
    """A literal's text with its language or datatype; anyURI literals link out."""
    text = str(value)
    if value.language:
        return Term(text, note="@" + value.language)
    if value.datatype is None or value.datatype == XSD.string:
        return Term(text)
    note = curie(str(value.datatype)) or str(value.datatype)
    if value.datatype == XSD.anyURI and text.startswith(("http://", "https://")):
        return Term(text, href=text, note=note, external=True)
    return Term(text, note=note)


def date_text(dataset: Union, event: Node, depth: int = 0) -> tuple[str, str]:
    """(shown date, sort key) of an event: ipkgo:date, or ipkgo:startDate – ipkgo:endDate.

    An event without a date of its own (a meeting during a visit) takes the
    dates of the event it is ``ipkgo:partOf``, shown as "during …".
    """
    date = _first(dataset.objects(event, IPKGO.date))
    start = _first(dataset.objects(event, IPKGO.startDate))
    end = _first(dataset.objects(event, IPKGO.endDate))
    if date is not None:
        return str(date), str(date)
    if start is not None:
        shown = f"{start} – {end}" if end is not None and end != start else str(start)
        return shown, str(start)
    if end is not None:
        return f"until {end}", str(end)
    if depth < 3:
        for parent in dataset.objects(event, IPKGO.partOf):
            shown, key = date_text(dataset, parent, depth + 1)
            if key != UNDATED:
                return (shown if shown.startswith("during ") else f"during {shown}"), key + " during"
    return "date unknown", UNDATED


UNDATED = "~"
"""Sort key of an undated event: after every date."""


def _first(values: Iterable[Node]) -> Node | None:
    ordered = sorted(str(v) for v in values if isinstance(v, Literal))
    return Literal(ordered[0]) if ordered else None


class EntityPage:
    """Everything the HTML page of one resource shows."""

    def __init__(self, description: Description) -> None:
        self.d = description
        self.labels = Labels(description.union)
        self.iri = str(description.iri)
        self.title = self.labels.label(description.iri) or curie(self.iri) or self.iri
        self.alternates = [(name, "?format=" + fmt) for name, fmt in ALTERNATES]

    @cached_property
    def types(self) -> list[tuple[Term, bool]]:
        """Types with labels: asserted first, then inferred; ipkg terms before others."""
        found = [
            (self.labels.term(st.object), st.inferred, str(st.object))
            for st in self.d.outgoing
            if st.predicate == RDF.type
        ]
        found.sort(key=lambda t: (t[1], not t[2].startswith(str(IPKGO)), t[0].text.lower()))
        return [(term, inferred) for term, inferred, _ in found]

    @cached_property
    def definition(self) -> str | None:
        """The resource's comment or definition, shown under the title."""
        return self.labels.definition(self.d.iri)

    @cached_property
    def when(self) -> str | None:
        """For an event: its date or span (or that of the event it is part of)."""
        union = self.d.union
        if (self.d.iri, RDF.type, IPKGO.Event) not in union and not any(
            union.objects(self.d.iri, p) for p in (IPKGO.date, IPKGO.startDate, IPKGO.endDate)
        ):
            return None
        shown, key = date_text(union, self.d.iri)
        return None if key == UNDATED else shown

    @cached_property
    def quote(self) -> str | None:
        """For a source sentence: its text."""
        value = _first(self.d.union.objects(self.d.iri, IPKGO.quote))
        return None if value is None else str(value)

    @cached_property
    def wikidata(self) -> list[Term]:
        """owl:sameAs values that are Wikidata items."""
        out = []
        for st in self.d.outgoing:
            if st.predicate == OWL.sameAs and str(st.object).startswith(str(WD)):
                url = wikidata_url(str(st.object))
                local = str(st.object)[len(str(WD)) :]
                out.append(Term(local, url, "inferred" if st.inferred else "", True))
        return out

    @cached_property
    def rows(self) -> list[Row]:
        """Every outgoing statement but the types, ipkg's properties first, asserted before inferred."""
        rows = []
        for st in self.d.outgoing:
            if st.predicate == RDF.type or self._aligned(st):
                continue
            rows.append(
                (
                    self._key(st),
                    Row(
                        self._predicate(st.predicate),
                        self.labels.term(st.object),
                        st.inferred,
                        st.graph_names,
                        self._details(st.object, 1),
                    ),
                )
            )
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

    @cached_property
    def incoming(self) -> list[Row]:
        """Statements about other resources that point here (the subject is the value shown)."""
        rows = [
            (
                self._key(st, st.subject),
                Row(self._predicate(st.predicate), self.labels.term(st.subject), st.inferred, st.graph_names),
            )
            for st in self.d.incoming
            if not self._aligned(st)
        ]
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows]

    @cached_property
    def aligned(self) -> list[Row]:
        """Inferred statements in other vocabularies (Wikidata, PROV, schema.org …), shown folded.

        They restate ipkg's own statements through the alignment axioms, so
        they would otherwise bury the page; the value column shows the other end.
        """
        out = []
        for st in (*self.d.outgoing, *self.d.incoming):
            if st.predicate == RDF.type or not self._aligned(st):
                continue
            incoming = st.subject != self.d.iri
            value = st.subject if incoming else st.object
            predicate = self._predicate(st.predicate)
            if incoming:
                predicate = Term("← " + predicate.text, predicate.href, predicate.note, predicate.external)
            out.append((self._key(st, value), Row(predicate, self.labels.term(value), True, st.graph_names)))
        out.sort(key=lambda item: item[0])
        return [row for _, row in out]

    @staticmethod
    def _aligned(st: Statement) -> bool:
        """An inferred statement whose property is not ipkg's own (nor RDFS/OWL)."""
        predicate = str(st.predicate)
        return st.inferred and not predicate.startswith((str(IPKGO), str(RDFS), str(OWL), str(RDF)))

    @cached_property
    def timeline(self) -> list[TimelineEntry]:
        """Events the resource took part in (or that took place at it), by date."""
        dataset = self.d.union
        iri = self.d.iri
        roles: dict[Node, str] = {}
        for event in dataset.objects(iri, IPKGO.participatedIn):
            roles.setdefault(event, "participant")
        for predicate, role in EVENT_ROLES:
            for event in dataset.subjects(predicate, iri):
                roles.setdefault(event, role)
        entries = []
        for event, role in roles.items():
            if event == iri:
                continue
            shown, key = date_text(dataset, event)
            types = tuple(self.labels.term(t) for t in most_specific(dataset, event))
            entries.append(TimelineEntry(self.labels.term(event), shown, key, role, types))
        entries.sort(key=lambda e: (e.sort_key, e.event.text))
        return entries

    @cached_property
    def evidence(self) -> list[Evidence]:
        """The sentences (or sources) the resource was derived from, with their text."""
        dataset = self.d.union
        out = []
        for st in self.d.outgoing:
            if st.predicate not in SOURCE_PREDICATES:
                continue
            node = st.object
            quote = _first(dataset.objects(node, IPKGO.quote))
            source = next(iter(dataset.objects(node, IPKGO.inSource)), None)
            whole = source if source is not None else node
            url = _first(dataset.objects(whole, IPKGO.url))
            paragraph = _first(dataset.objects(node, IPKGO.paragraph))
            number = _first(dataset.objects(node, IPKGO.sentenceNumber))
            where = ""
            if paragraph is not None:
                where = f"¶{paragraph}" + (f", sentence {number}" if number is not None else "")
            out.append(
                Evidence(
                    self.labels.term(node),
                    None if quote is None else str(quote),
                    None if source is None else self.labels.term(source),
                    str(url) if url is not None and str(url).startswith(("http://", "https://")) else None,
                    where,
                )
            )
        return out

    def _predicate(self, predicate: URIRef) -> Term:
        return self.labels.term(predicate)

    def _key(self, st: Statement, value: Node | None = None) -> tuple[int, bool, str, str]:
        predicate = str(st.predicate)
        group = 0 if predicate.startswith(str(IPKGO)) else 1 if predicate.startswith(str(RDFS)) else 2
        shown = value if value is not None else st.object
        return group, st.inferred, self._predicate(st.predicate).text.lower(), self.labels.name(shown).lower()

    def _details(self, node: Node, depth: int) -> tuple[tuple[Term, Term], ...]:
        """The properties of a blank-node value, shown nested."""
        if not isinstance(node, BNode) or depth > MAX_BNODE_DEPTH:
            return ()
        return tuple(
            (self._predicate(st.predicate), self.labels.term(st.object))
            for st in statements(self.d.dataset, subject=node)
        )


def most_specific(dataset: Union, node: Node) -> list[Node]:
    """The ipkg classes of ``node`` that no other of its ipkg classes is a subclass of."""
    types = {t for t in dataset.objects(node, RDF.type) if str(t).startswith(str(IPKGO))}
    specific = (t for t in types if not any(o != t and (o, RDFS.subClassOf, t) in dataset for o in types))
    return sorted(specific, key=node_key)


# --------------------------------------------------------------------------- the ontology page


@dataclass
class OntologyTerm:
    """A class or property of the ontology, as listed."""

    anchor: str
    curie: str
    label: str
    definition: str | None
    facts: list[tuple[str, list[Term]]] = field(default_factory=list)
    count: int | None = None


class OntologyPage:
    """The ontology's header, classes and properties."""

    KINDS = (
        ("Classes", OWL.Class),
        ("Object properties", OWL.ObjectProperty),
        ("Datatype properties", OWL.DatatypeProperty),
        ("Annotation properties", OWL.AnnotationProperty),
    )
    CLASS_FACTS = (
        ("subclass of", RDFS.subClassOf),
        ("equivalent to", OWL.equivalentClass),
        ("disjoint with", OWL.disjointWith),
    )
    PROPERTY_FACTS = (
        ("subproperty of", RDFS.subPropertyOf),
        ("domain", RDFS.domain),
        ("range", RDFS.range),
        ("inverse of", OWL.inverseOf),
        ("equivalent to", OWL.equivalentProperty),
    )

    def __init__(self, dataset: Dataset, graph: Graph) -> None:
        self.dataset = Union(dataset)
        self.graph = graph
        self.labels = Labels(self.dataset)
        self.iri = str(ONTOLOGY_IRI)
        self.title = str(
            _first(graph.objects(ONTOLOGY_IRI, DCTERMS.title)) or self.labels.label(ONTOLOGY_IRI) or "ipkg ontology"
        )
        self.definition = self.labels.definition(ONTOLOGY_IRI)
        version = _first(graph.objects(ONTOLOGY_IRI, OWL.versionInfo))
        self.version = None if version is None else str(version)
        self.license = [self.labels.term(v) for v in graph.objects(ONTOLOGY_IRI, DCTERMS.license)]
        self.alternates = [(name, "?format=" + fmt) for name, fmt in ALTERNATES]
        self.triples = len(graph)

    @cached_property
    def sections(self) -> list[tuple[str, list[OntologyTerm]]]:
        """(heading, terms) per kind of term, terms sorted by label."""
        out = []
        for heading, kind in self.KINDS:
            terms = []
            for node in set(self.graph.subjects(RDF.type, kind)):
                if not isinstance(node, URIRef) or not str(node).startswith(str(IPKGO)):
                    continue
                terms.append(self._term(node, kind))
            terms.sort(key=lambda t: t.anchor.lower())
            if terms:
                out.append((heading, terms))
        return out

    def _term(self, node: URIRef, kind: URIRef) -> OntologyTerm:
        local = str(node)[len(str(IPKGO)) :]
        facts_spec = self.CLASS_FACTS if kind == OWL.Class else self.PROPERTY_FACTS
        facts = []
        for name, predicate in facts_spec:
            values = [self._value(v) for v in sorted(self.graph.objects(node, predicate), key=node_key)]
            if values:
                facts.append((name, values))
        count = None
        if kind == OWL.Class:
            count = len(self.dataset.subjects(RDF.type, node))
        return OntologyTerm(
            local, f"ipkgo:{local}", self.labels.label(node) or local, self.labels.definition(node), facts, count
        )

    def _value(self, node: Node) -> Term:
        if isinstance(node, BNode):
            return Term(self._describe_bnode(node))
        return self.labels.term(node)

    def _describe_bnode(self, node: BNode) -> str:
        """A short Manchester-like text of an OWL restriction or class expression."""
        on = _first_node(self.graph.objects(node, OWL.onProperty))
        for predicate, word in ((OWL.hasValue, "value"), (OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only")):
            value = _first_node(self.graph.objects(node, predicate))
            if on is not None and value is not None:
                return f"{self.labels.name(on)} {word} {self.labels.name(value)}"
        for predicate, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
            head = _first_node(self.graph.objects(node, predicate))
            if head is not None:
                from rdflib.collection import Collection

                return "(" + word.join(self.labels.name(m) for m in Collection(self.graph, head)) + ")"
        return "(class expression)"


def _first_node(values: Iterable[Node]) -> Node | None:
    return next(iter(values), None)
