"""Plain text output shared by ``ipkg link suggest`` and ``ipkg link conflicts``: tables and TSV cells.

One place for it, so that both commands print their table, TSV and JSON choices alike.
"""

from __future__ import annotations

FORMATS = ("table", "tsv", "json")


def tsv_cell(cell: str) -> str:
    """A cell for a TSV line: tabs and newlines become spaces."""
    return cell.replace("\t", " ").replace("\n", " ")


def render_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table with aligned columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
