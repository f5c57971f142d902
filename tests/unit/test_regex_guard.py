"""REGEX and REPLACE keep their SPARQL meaning but cannot run past the query's time limit."""

from __future__ import annotations

import threading
import time

import pytest
from rdflib import Graph, Literal

import ipkg.build  # noqa: F401 - installs the guard with rdflib's other settings
from ipkg.errors import QueryTimeout
from ipkg.sparql.deadline import deadline

HOSTILE = 'SELECT ?x WHERE { BIND(REGEX("' + "x" * 5000 + '", "(x+x+)+y") AS ?x) }'


def test_regex_and_replace_keep_their_meaning() -> None:
    rows = list(
        Graph().query(
            'SELECT ?a ?b ?c WHERE { BIND(REGEX("Belarus", "^bel", "i") AS ?a) '
            'BIND(REGEX("Belarus", "^bel") AS ?b) BIND(REPLACE("abcabc", "b(c)", "[$1]") AS ?c) }'
        )
    )
    assert rows == [(Literal(True), Literal(False), Literal("a[c]a[c]"))]


def test_catastrophic_pattern_is_stopped_by_the_deadline() -> None:
    started = time.monotonic()
    with deadline(0.5), pytest.raises(QueryTimeout):
        list(Graph().query(HOSTILE))
    assert time.monotonic() - started < 5


def test_other_threads_keep_running_while_a_pattern_is_matched() -> None:
    """The match releases the interpreter lock: a second thread makes progress meanwhile."""
    ticks: list[float] = []
    done = threading.Event()

    def hostile() -> None:
        with deadline(1.0), pytest.raises(QueryTimeout):
            list(Graph().query(HOSTILE))
        done.set()

    thread = threading.Thread(target=hostile)
    thread.start()
    while not done.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.01)
    thread.join()
    assert len(ticks) > 20
