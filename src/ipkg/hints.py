"""Warnings about a query that parses but probably does not ask what its author meant.

A misspelt term (``ipkgo:Stat`` for ``ipkgo:State``) or a property that only the
reasoner produces, asked for without the inferred graph (``ipkgo:partyTo`` with
``infer=false``), gives 0 rows and no error. ``query_warnings`` names such IRIs,
with a "did you mean" where one is close; the endpoint sends them in the
``Ipkg-Warning`` response header (``header_value``), the command line prints them
on stderr, the query UI shows them above the results. What the dataset holds is
read once per snapshot (``Vocabulary.of``).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF

from ipkg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, IPKG, IPKGO
from ipkg.sparql.prepare import PreparedQuery
from ipkg.store.base import Snapshot

HEADER = "Ipkg-Warning"
"""The response header carrying the warnings: an RFC 8941 list of strings."""


@dataclass(frozen=True)
class Vocabulary:
    """The IRIs a query may mean, from one snapshot of the dataset."""

    terms: frozenset[str]
    """ipkgo: IRIs the ontology describes."""
    resources: frozenset[str]
    """ipkg: IRIs (``…/id/…``) the dataset mentions."""
    inferred_only: frozenset[str]
    """Properties, and classes (as ``rdf:type`` values), that only the inferred graph holds."""

    @classmethod
    def build(cls, snapshot: Snapshot) -> Vocabulary:
        """Read the vocabulary of ``snapshot`` (one pass over its quads)."""
        terms, resources = set(), set()
        asserted: set[str] = set()
        inferred: set[str] = set()
        ontology_ns, ipkg_ns = str(IPKGO), str(IPKG)
        for s, p, o, g in snapshot.quads():
            for node in (s, o):
                text = str(node)
                if isinstance(node, URIRef) and text.startswith(ipkg_ns):
                    resources.add(text)
                if g == GRAPH_ONTOLOGY and node is s and text.startswith(ontology_ns):
                    terms.add(text)
            used = {str(p)} | ({str(o)} if p == RDF.type else set())
            (inferred if g == GRAPH_INFERRED else asserted).update(used)
        return cls(frozenset(terms), frozenset(resources), frozenset(inferred - asserted))

    @classmethod
    def of(cls, snapshot: Snapshot, cache: VocabularyCache | None = None) -> Vocabulary:
        """The vocabulary of ``snapshot``, from ``cache`` when it holds its generation."""
        return cache.get(snapshot) if cache is not None else cls.build(snapshot)


class VocabularyCache:
    """One vocabulary per store generation (one cache per app: generations of two stores differ)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[int, Vocabulary] | None = None

    def get(self, snapshot: Snapshot) -> Vocabulary:
        with self._lock:
            if self._entry is not None and self._entry[0] == snapshot.generation:
                return self._entry[1]
        vocabulary = Vocabulary.build(snapshot)
        with self._lock:
            self._entry = (snapshot.generation, vocabulary)
        return vocabulary


def query_warnings(
    prepared: PreparedQuery, vocabulary: Vocabulary, *, infer: bool, explicit: bool = False
) -> list[str]:
    """What to tell the author of ``prepared`` before it runs (empty: nothing suspicious).

    ``infer`` and ``explicit`` are the request's dataset: an inferred-only term is
    worth a warning only when the inferred graph is left out and no graphs were named.
    """
    out = []
    for iri in prepared.iris:
        text = str(iri)
        if text in (str(IPKGO), str(IPKG)):  # the namespace itself, as in STRSTARTS(STR(?t), STR(ipkgo:))
            continue
        if text.startswith(str(IPKGO)) and text not in vocabulary.terms:
            out.append(
                f"{_short(text)} is not a term of ipkg's ontology, so it matches nothing"
                + _guess(text, vocabulary.terms)
            )
        elif text.startswith(str(IPKG)) and text not in vocabulary.resources:
            out.append(f"{_short(text)} names no resource of the dataset" + _guess(text, vocabulary.resources))
        elif not infer and not explicit and text in vocabulary.inferred_only:
            out.append(
                f"{_short(text)} is only in the inferred graph (OWL 2 RL reasoning), which this query leaves out "
                "(infer=false): run it with infer=true"
            )
    return out


def header_value(warnings: Iterable[str]) -> str:
    """The warnings as an RFC 8941 list of strings (ASCII: other characters are percent-encoded)."""
    items = []
    for warning in warnings:
        safe = "".join(c if 0x20 <= ord(c) < 0x7F else "".join(f"%{b:02X}" for b in c.encode()) for c in warning)
        items.append('"' + safe.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ", ".join(items)


def _guess(iri: str, known: frozenset[str]) -> str:
    """``; did you mean ipkgo:State?`` for the closest known IRI of the same namespace, or ''."""
    namespace = str(IPKGO) if iri.startswith(str(IPKGO)) else str(IPKG)
    local = iri[len(namespace) :]
    locals_ = {k[len(namespace) :]: k for k in known if k.startswith(namespace)}
    folded = {name.lower(): name for name in locals_}
    if local.lower() in folded:
        return f"; did you mean {_short(locals_[folded[local.lower()]])}?"
    close = difflib.get_close_matches(local, sorted(locals_), n=1, cutoff=0.75)
    return f"; did you mean {_short(locals_[close[0]])}?" if close else ""


def _short(iri: str) -> str:
    for prefix, namespace in (("ipkgo", IPKGO), ("ipkg", IPKG)):
        if iri.startswith(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return f"<{iri}>"
