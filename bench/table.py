"""The one table the harness prints: a row per measurement, ipkg next to its peers, and the formats of its cells."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    """One line of the table; the ratios are ipkg's figure over the peer's."""

    measure: str
    data: str
    ipkg: str
    pyoxigraph: str = "—"
    oxigraph: str = "—"
    rdflib: str = "—"
    vs_pyoxigraph: str = "—"
    vs_oxigraph: str = "—"
    target: str = "—"


def fmt_s(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_ms(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


def fmt_mb(size: float) -> str:
    return "—" if size != size else f"{size / 2**20:.0f} MB"


def ratio(a: float, b: float) -> str:
    if a != a or b != b or not b:
        return "—"
    return f"{a / b:.2f}×" if a / b < 10 else f"{a / b:.0f}×"


def verdict(ok: bool, target: str) -> str:
    return f"{target}: {'yes' if ok else '**no**'}"


def build_target(n: int, total: float | None) -> str:
    if n != 100_000:
        return "—"
    return verdict(total is not None and total < 8, "< 8 s")


def render(rows: list[Row], caption: str) -> str:
    head = [
        "measure",
        "data",
        "ipkg",
        "pyoxigraph (bare Flask app; bulk load for builds)",
        "oxigraph serve",
        "rdflib-endpoint",
        "ipkg ÷ pyoxigraph",
        "ipkg ÷ oxigraph serve",
        "target",
    ]
    lines = [caption, "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r.measure, r.data, r.ipkg, r.pyoxigraph, r.oxigraph, r.rdflib, r.vs_pyoxigraph, r.vs_oxigraph]
        lines.append("| " + " | ".join([*cells, r.target]) + " |")
    return "\n".join(lines)
