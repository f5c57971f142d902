"""Better syntax errors: the unbalanced bracket and the unknown prefix, where they are.

rdflib's grammar reports a missing ``}`` or ``)`` as "Expected SelectQuery" at the
start of the clause that failed, and an unknown prefix as "Unknown namespace prefix"
with no position. ``bracket_problem`` scans the text (skipping strings, IRIs and
comments) for the bracket that is never closed or closes the wrong one;
``unknown_prefix`` finds the first use of an undeclared prefix and the declared one
closest to it. ``prepare`` uses both to build its ``QuerySyntaxError``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

PAIRS = {"{": "}", "(": ")", "[": "]"}
CLOSERS = {v: k for k, v in PAIRS.items()}
IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
STRING = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
)
PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """What is wrong and where (1-based line and column)."""

    message: str
    line: int
    column: int


def tokens(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of the characters outside strings, IRIs and comments."""
    position = 0
    while position < len(text):
        char = text[position]
        if char == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        if char in "'\"":
            match = STRING.match(text, position)
            if match:
                position = match.end()
                continue
        if char == "<":
            match = IRI.match(text, position)
            if match:
                position = match.end()
                continue
        yield position, char
        position += 1


def where(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def bracket_problem(text: str) -> Problem | None:
    """The first bracket that closes nothing or the wrong one, else the last one left open, else None."""
    stack: list[tuple[str, int]] = []
    for offset, char in tokens(text):
        if char in PAIRS:
            stack.append((char, offset))
        elif char in CLOSERS:
            line, column = where(text, offset)
            if not stack:
                return Problem(f"'{char}' closes nothing: no '{CLOSERS[char]}' is open here", line, column)
            opener, opened = stack.pop()
            if PAIRS[opener] != char:
                at = "line {}, column {}".format(*where(text, opened))
                return Problem(
                    f"'{char}' cannot close the '{opener}' opened at {at}: a '{PAIRS[opener]}' is missing before it",
                    line,
                    column,
                )
    if stack:
        opener, opened = stack[-1]
        line, column = where(text, opened)
        return Problem(f"'{opener}' opened here is never closed: a '{PAIRS[opener]}' is missing", line, column)
    return None


def unknown_prefix(text: str, prefix: str, known: Iterable[str]) -> Problem:
    """Where ``prefix:`` is first used in ``text``, with the closest declared or predeclared prefix."""
    candidates = sorted(set(known) | {m.group(1) or "" for m in PREFIX_DECLARATION.finditer(text)})
    close = difflib.get_close_matches(prefix, candidates, n=1, cutoff=0.6)
    message = f"unknown prefix '{prefix}:'"
    message += f"; did you mean '{close[0]}:'?" if close else "; declare it with a PREFIX line"
    message += " (predeclared: " + ", ".join(f"{p}:" for p in sorted(known)) + ")"
    use = re.compile(rf"(?<![\w.:-]){re.escape(prefix)}:")
    outside = {offset for offset, _ in tokens(text)}
    for match in use.finditer(text):
        if match.start() in outside:
            line, column = where(text, match.start())
            return Problem(message, line, column)
    return Problem(message, 1, 1)


UNKNOWN_PREFIX = re.compile(r"Unknown namespace prefix\s*:\s*(\S*)")
"""rdflib's message for an undeclared prefix."""
