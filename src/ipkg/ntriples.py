"""N-Triples and N-Quads (W3C RECs 2014) read and written in linear time, terms kept exactly.

rdflib's line parser is quadratic in the length of a line (a 1 MB literal takes
seconds, a 9 MB one minutes), so request bodies in these formats and the quads
of the store's journal go through this module instead. Blank node labels are
kept as they are written (``labels=True``, for the journal, where a later
entry names the nodes of an earlier one) or mapped to fresh nodes per document
(request bodies). A malformed line raises ``NTriplesError`` (a ``ValueError``)
with its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

Quad = tuple[Node, Node, Node, Node | None]
"""Subject, predicate, object and graph (None: the default graph)."""


class NTriplesError(ValueError):
    """A line that is not a triple or quad; ``line`` and ``column`` are 1-based."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        self.line = line
        self.column = column
        self.reason = reason
        super().__init__(f"line {line}, column {column}: {reason}")


class _Problem(Exception):
    def __init__(self, column: int, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


_IRI = re.compile(r"<([^>\x00-\x20]*)>")
_BNODE = re.compile(r"_:(\S*[^\s.])")
_LITERAL = re.compile(r'"([^"\\\n\r]*(?:\\.[^"\\\n\r]*)*)"')
_LANGUAGE = re.compile(r"@([A-Za-z]+(?:-[A-Za-z0-9]+)*)")
_SPACE = re.compile(r"[ \t]*")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\])|(.?))")
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LITERAL_OUT = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LABEL_SAFE = re.compile(r"[A-Za-z0-9_]+(?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term(node: Node) -> str:
    """One term in N-Triples syntax (a literal's datatype is written even when it is xsd:string)."""
    if isinstance(node, URIRef):
        return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", str(node)) + ">"
    if isinstance(node, Literal):
        text = '"' + str(node).translate(_LITERAL_OUT) + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^{term(URIRef(node.datatype))}"
        return text
    if isinstance(node, BNode):
        label = str(node)
        return "_:" + (label if _LABEL_SAFE.fullmatch(label) else "x" + label.encode("utf-8").hex())
    raise ValueError(f"not an RDF term: {node!r}")


def write_quads(quads: Iterable[Quad]) -> str:
    """N-Quads text of ``quads``, one line each, sorted (the same quads give the same text)."""
    lines = sorted(
        f"{term(s)} {term(p)} {term(o)} {term(g)} .\n" if g is not None else f"{term(s)} {term(p)} {term(o)} .\n"
        for s, p, o, g in quads
    )
    return "".join(lines)


def read_quads(text: str, *, labels: bool = False, graphs: bool = True) -> Iterator[Quad]:
    """The quads of an N-Quads document (or with ``graphs=False`` the triples of N-Triples), in order.

    ``labels=True`` keeps blank node labels as node ids; otherwise each label
    is a fresh blank node, the same one throughout the document.

    Raises:
        NTriplesError: a line is not a triple or quad.
    """
    nodes: dict[str, BNode] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            quad = _line(line, nodes, labels)
        except _Problem as problem:
            raise NTriplesError(number, problem.column, problem.reason) from None
        if quad is None:
            continue
        if quad[3] is not None and not graphs:
            raise NTriplesError(number, 1, "N-Triples has no graph names (send N-Quads)")
        yield quad


def _line(line: str, nodes: dict[str, BNode], labels: bool) -> Quad | None:
    position = _SPACE.match(line).end()  # type: ignore[union-attr]
    if position == len(line.rstrip("\r")) or line[position] == "#":
        return None
    terms: list[Node] = []
    while True:
        found, position = _term(line, position, nodes, labels)
        terms.append(found)
        position = _SPACE.match(line, position).end()  # type: ignore[union-attr]
        if position < len(line) and line[position] == ".":
            break
        if len(terms) == 4:
            raise _Problem(position + 1, "expected '.' after the graph")
    rest = line[position + 1 :].strip()
    if rest and not rest.startswith("#"):
        raise _Problem(position + 2, "unexpected text after '.'")
    if len(terms) < 3:
        raise _Problem(position + 1, "a statement needs a subject, a predicate and an object")
    subject, predicate, obj = terms[:3]
    graph = terms[3] if len(terms) == 4 else None
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef) or isinstance(graph, Literal):
        raise _Problem(1, "a literal can only be an object, and the predicate must be an IRI")
    return subject, predicate, obj, graph


def _term(line: str, position: int, nodes: dict[str, BNode], labels: bool) -> tuple[Node, int]:
    first = line[position : position + 1]
    if first == "<":
        match = _IRI.match(line, position)
        if match is None:
            raise _Problem(position + 1, "an IRI is not closed, or holds a space")
        return URIRef(_unescape(match.group(1))), match.end()
    if first == "_":
        match = _BNODE.match(line, position)
        if match is None:
            raise _Problem(position + 1, "a blank node label is malformed")
        label = match.group(1)
        node = BNode(label) if labels else nodes.setdefault(label, BNode())
        return node, match.end()
    if first == '"':
        match = _LITERAL.match(line, position)
        if match is None:
            raise _Problem(position + 1, "a literal is not closed")
        lexical = _unescape(match.group(1))
        end = match.end()
        if line.startswith("^^", end):
            datatype, end = _term(line, end + 2, nodes, labels)
            if not isinstance(datatype, URIRef):
                raise _Problem(end + 1, "a datatype must be an IRI")
            return Literal(lexical, datatype=datatype), end
        language = _LANGUAGE.match(line, end)
        if language is not None:
            return Literal(lexical, lang=language.group(1)), language.end()
        return Literal(lexical), end
    raise _Problem(position + 1, "expected an IRI, a blank node or a literal")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(_escaped, text) if "\\" in text else text


def _escaped(match: re.Match[str]) -> str:
    if match.group(4) is not None:
        raise _Problem(1, f"an unknown escape sequence \\{match.group(4)}")
    code = match.group(1) or match.group(2)
    if code is not None:
        value = int(code, 16)
        if value > 0x10FFFF:
            raise _Problem(1, "an escape beyond U+10FFFF")
        return chr(value)
    return _SIMPLE[match.group(3)]


__all__ = ["NTriplesError", "Quad", "read_quads", "term", "write_quads"]
