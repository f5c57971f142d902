"""SHACL validation (W3C SHACL §3) of asserted data, with a report a person can act on.

Data is validated together with the ontology (so ``sh:class`` and
``sh:targetClass`` see the class hierarchy) but before reasoning: shapes judge
what was asserted, not what the reasoner concluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ipkg.errors import IpkgError
from ipkg.namespaces import bind_prefixes


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
    data: Graph, shapes: Graph, ontology: Graph | None = None, *, focus: Sequence[Node] | None = None
) -> Report:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``.

    Inference is off: the ontology only supplies the class hierarchy. With ``focus``,
    only those IRIs are validated, on ``data`` as it is (no copy: pass the ontology
    already mixed in) — what an incremental transaction checks.
    """
    conforms, report_graph, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
        advanced=True,
        inplace=ontology is None,
        focus_nodes=[str(node) for node in focus] if focus else None,
    )
    if not isinstance(report_graph, Graph):  # pyshacl's ValidationFailure: the shapes themselves are broken
        raise IpkgError(f"the SHACL shapes cannot be used: {text}")
    bind_prefixes(report_graph)
    return Report(conforms=bool(conforms), results=tuple(_results(report_graph)), graph=report_graph)


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
