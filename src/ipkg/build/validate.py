"""SHACL validation (W3C SHACL §3) of asserted data, with a report a person can act on.

Data is validated together with the ontology (so ``sh:class`` and
``sh:targetClass`` see the class hierarchy) but before reasoning: shapes judge
what was asserted, not what the reasoner concluded. The ontology is mixed in
whole, as the incremental writer's union graph has it (pySHACL's own ``ont_graph``
would copy only its RDFS and OWL axioms, and miss e.g. which properties are
``ipkgo:CountProperty``).

Two engines give the same results (``tests/unit/test_validation_engine.py``
holds them equal on the shipped data, the shape fixtures and mutated generated data):

- ``engine="compiled"`` (the default): the shapes compiled once per shapes graph
  (``shacl_compile``) and run over the data (``shacl_check``), about ten times
  faster than pySHACL on 10^5 triples and a hundred times on an update's few focus nodes;
- ``engine="pyshacl"``: pySHACL, the reference; also used whenever the shapes
  use a feature the compiler does not cover (``Unsupported``, logged once).

With ``focus``, only the node shapes that target those IRIs are checked, at those
IRIs (pySHACL's ``focus_nodes``), and the compiled engine's results there are
pySHACL's full results at those IRIs. pySHACL's own ``focus_nodes`` is not: it
takes every value that is not itself a focus node to conform to a nested shape
(``sh:or``, ``sh:qualifiedValueShape``), so it misses an ill-typed date and
rejects a resource's second label in French.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ipkg.build.shacl_check import Violation, check, report_graph
from ipkg.build.shacl_compile import Shape, Unsupported, compile_shapes
from ipkg.build.union import union
from ipkg.errors import IpkgError
from ipkg.namespaces import bind_prefixes

log = logging.getLogger("ipkg.build")

ENGINES = ("compiled", "pyshacl")


@dataclass(frozen=True)
class Result:
    """One violation: which node, along which path, with which value, by which shape, and why."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    component: Node | None
    severity: Node
    message: str

    def text(self, graph: Graph) -> str:
        """One line for humans: ``focus path = value: message [shape]``."""

        def show(term: Node | None) -> str:
            if term is None:
                return ""
            if isinstance(term, URIRef):
                return graph.namespace_manager.normalizeUri(term)
            return term.n3(graph.namespace_manager)

        where = show(self.focus)
        if self.path is not None:
            where += f" {show(self.path)}"
        if self.value is not None:
            where += f" = {show(self.value)}"
        return f"{where}: {self.message} [{show(self.shape)}]"


@dataclass(frozen=True)
class Report:
    """The outcome of a validation; ``graph`` is the standard SHACL report graph."""

    conforms: bool
    results: tuple[Result, ...]
    graph: Graph

    def to_json(self) -> dict[str, object]:
        """``{"conforms": …, "results": [{focusNode, resultPath, value, sourceShape, message}, …]}``, sorted."""
        results = [
            {
                "focusNode": str(r.focus),
                "resultPath": None if r.path is None else str(r.path),
                "value": None if r.value is None else str(r.value),
                "sourceShape": str(r.shape),
                "message": r.message,
            }
            for r in sorted(self.results, key=lambda r: (str(r.focus), str(r.shape), str(r.path), str(r.value)))
        ]
        return {"conforms": self.conforms, "results": results}

    def text(self) -> str:
        """A readable report, one violation per line, sorted for stable output."""
        if self.conforms:
            return "conforms: the data satisfies every shape"
        lines = sorted({r.text(self.graph) for r in self.results})
        return f"{len(lines)} violation(s) of the shapes:\n" + "\n".join(f"  - {line}" for line in lines)


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    *,
    focus: Sequence[Node] | None = None,
    engine: str = "compiled",
) -> Report:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``.

    Inference is off: the ontology only supplies the class hierarchy. With ``focus``,
    only those IRIs are validated, on ``data`` as it is (pass the ontology already
    mixed in) — what an incremental transaction checks. ``engine``: see the module docstring.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    compiled = _compiled(shapes) if engine == "compiled" else None
    if compiled is None:
        return _pyshacl(data if ontology is None else data + ontology, shapes, focus)
    graph = data if ontology is None else union(data, ontology)
    found = check(compiled, graph, focus or None)
    report = report_graph(found, graph, shapes)
    bind_prefixes(report)
    return Report(conforms=not found, results=tuple(_result(v) for v in found), graph=report)


_COMPILED: dict[int, tuple[weakref.ref[Graph], int, list[Shape] | None]] = {}
"""id of a shapes graph → (the graph, its size then, its compiled shapes or None when Unsupported)."""


def _compiled(shapes: Graph) -> list[Shape] | None:
    """The compiled shapes, once per shapes graph (recompiled if it changed size); None: use pySHACL."""
    key = id(shapes)
    entry = _COMPILED.get(key)
    if entry is not None and entry[0]() is shapes and entry[1] == len(shapes):
        return entry[2]
    try:
        compiled: list[Shape] | None = compile_shapes(shapes)
    except Unsupported as reason:
        log.info("validating with pySHACL: the shapes use what the compiler does not cover (%s)", reason)
        compiled = None
    _COMPILED[key] = (weakref.ref(shapes, lambda _: _COMPILED.pop(key, None)), len(shapes), compiled)
    return compiled


def _result(v: Violation) -> Result:
    return Result(
        focus=v.focus,
        path=v.path,
        value=v.value,
        shape=v.shape,
        component=v.component,
        severity=v.severity,
        message="; ".join(sorted(str(m) for m in v.messages)),
    )


def _pyshacl(data: Graph, shapes: Graph, focus: Sequence[Node] | None) -> Report:
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
        advanced=True,
        inplace=True,
        focus_nodes=[str(node) for node in focus] if focus else None,
    )
    if not isinstance(report, Graph):  # pyshacl's ValidationFailure: the shapes themselves are broken
        raise IpkgError(f"the SHACL shapes cannot be used: {text}")
    bind_prefixes(report)
    return Report(conforms=bool(conforms), results=tuple(_results(report)), graph=report)


def _results(report: Graph) -> Iterable[Result]:
    for node in report.objects(None, SH.result):
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        shape = report.value(node, SH.sourceShape)
        yield Result(
            focus=report.value(node, SH.focusNode) or Literal(""),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            shape=shape if shape is not None else Literal(""),
            component=report.value(node, SH.sourceConstraintComponent),
            severity=report.value(node, SH.resultSeverity) or SH.Violation,
            message="; ".join(messages) or "violates the shape",
        )
