"""The HTTP scenario: five competency questions at several concurrencies, every peer with the same client."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadgen import CellResult, median, query_path, run_cell
from procs import Server, http_call
from table import Row, ratio

REPO = Path(__file__).resolve().parents[1]

QUERIES = (
    ("label lookup", "67-ncip-director-general-names.rq"),
    ("OPTIONAL + ORDER BY", "06-directors-general-of-wipo.rq"),
    ("partOf* path", "32-hague-accession.rq"),
    ("COUNT DISTINCT", "14-treaties-administered-in-graph.rq"),
    ("FILTER NOT EXISTS", "19-belarus-signed-not-party.rq"),
)
"""(kind, file in queries/cq/): the five competency questions the HTTP rows measure."""

PATHS = {"ipkg": "/sparql", "bare": "/sparql", "oxigraph": "/query", "rdflib": "/sparql"}
ORDER = ("ipkg", "bare", "oxigraph", "rdflib")


def answer_size(server: Server, system: str, query: str) -> str:
    """How many rows (or the boolean) ``system`` answers, to check that the peers agree."""
    try:
        status, body, _ = http_call(
            server.port,
            "GET",
            query_path(PATHS[system], query),
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
    except OSError as exc:
        return f"error {type(exc).__name__}"
    if status != 200:
        return f"HTTP {status}"
    data = json.loads(body)
    return str(data["boolean"]) if "boolean" in data else f"{len(data['results']['bindings'])} rows"


def http_cells(knobs: Any, servers: dict[str, Server], data: str, say: Callable[[str], None]) -> list[Row]:
    """Interleaved cells (round × query × concurrency × peer, the peer order rotating) and one row per cell kind."""
    systems = [s for s in ORDER if s in servers]
    texts = [(kind, name, (REPO / "queries" / "cq" / name).read_text(encoding="utf-8")) for kind, name in QUERIES]
    agree: dict[str, dict[str, str]] = {}
    for _, name, text in texts:
        agree[name] = {s: answer_size(servers[s], s, text) for s in systems}
        for system in systems:  # warm-up, not measured
            run_cell("127.0.0.1", servers[system].port, query_path(PATHS[system], text), concurrency=1,
                     max_requests=20, max_seconds=2.0)  # fmt: skip
    results: dict[tuple[str, int, str], list[CellResult]] = {}
    for r in range(knobs.rounds):
        say(f"HTTP round {r + 1}/{knobs.rounds}")
        for qi, (_, name, text) in enumerate(texts):
            for ci, concurrency in enumerate(knobs.concurrency):
                turn = (r + qi + ci) % len(systems)
                for system in systems[turn:] + systems[:turn]:
                    cell = run_cell(
                        "127.0.0.1",
                        servers[system].port,
                        query_path(PATHS[system], text),
                        concurrency=concurrency,
                        max_requests=knobs.cell_requests,
                        max_seconds=knobs.cell_seconds,
                    )
                    results.setdefault((name, concurrency, system), []).append(cell)
                    if cell.errors:
                        say(f"{system}: {name} at {concurrency}: {cell.errors} errors, first {cell.first_error}")
    rows = []
    for kind, name, _ in texts:
        answers = agree[name]
        same = len(set(answers.values())) == 1
        note = (
            next(iter(answers.values()))
            if same
            else "answers differ: " + ", ".join(f"{s} {a}" for s, a in answers.items())
        )
        for concurrency in knobs.concurrency:
            stats = {s: _summary(results[(name, concurrency, s)]) for s in systems}
            cells = {s: _cell(*stats[s]) for s in systems}
            ipkg, bare = stats["ipkg"], stats["bare"]
            oxi = stats.get("oxigraph")
            vs_bare = f"p50 {ratio(ipkg[0], bare[0])}, req/s {ratio(ipkg[2], bare[2])}"
            vs_oxi = f"p50 {ratio(ipkg[0], oxi[0])}, req/s {ratio(ipkg[2], oxi[2])}" if oxi else "—"
            rows.append(
                Row(
                    f"HTTP {kind} ({name.removesuffix('.rq')}; {note}), concurrency {concurrency}: p50 / p99, req/s",
                    data,
                    cells["ipkg"],
                    cells["bare"],
                    cells.get("oxigraph", "—"),
                    cells.get("rdflib", "—"),
                    vs_bare,
                    vs_oxi,
                    verdicts(concurrency, ipkg, bare, oxi),
                )
            )
    return rows


def _summary(cells: list[CellResult]) -> tuple[float, float, float, int]:
    """Medians over the rounds of (p50 ms, p99 ms, req/s), and the errors of all rounds."""
    return (
        median([c.percentile(50) for c in cells]),
        median([c.percentile(99) for c in cells]),
        median([c.throughput for c in cells]),
        sum(c.errors for c in cells),
    )


def _cell(p50: float, p99: float, throughput: float, errors: int) -> str:
    text = f"{_num(p50)} / {_num(p99)} ms, {throughput:,.0f}/s"
    return text + (f" ({errors} errors)" if errors else "")


def _num(ms: float) -> str:
    if ms != ms:
        return "—"
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def verdicts(
    concurrency: int,
    ipkg: tuple[float, float, float, int],
    bare: tuple[float, float, float, int],
    oxi: tuple[float, float, float, int] | None,
) -> str:
    """The targets that apply to this row: p50 within 1.5× of the bare app; at 16, throughput ≥ 0.7× / 0.5×."""
    parts = [f"p50 ≤ 1.5× bare: {_yes(ipkg[0] <= 1.5 * bare[0])}"]
    if concurrency == 16:
        parts.append(f"req/s ≥ 0.7× bare: {_yes(ipkg[2] >= 0.7 * bare[2])}")
        if oxi:
            parts.append(f"≥ 0.5× oxigraph: {_yes(ipkg[2] >= 0.5 * oxi[2])}")
    return "; ".join(parts)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"
