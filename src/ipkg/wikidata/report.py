"""What an import read and mapped: per-property counts and notes, and the summary the command prints.

Kept apart from the mapping so that the command output and the tests read one
plain record, whatever the mapping does internally.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef


@dataclass
class PropertyCount:
    """What became of one property's statements."""

    mapped: int = 0
    outranked: int = 0
    deprecated: int = 0
    skipped: int = 0


@dataclass
class ImportReport:
    """What an import read and mapped, for the command's output and the tests."""

    name: str
    file: str
    graph: URIRef
    items: int = 0
    types: Counter[str] = field(default_factory=Counter)
    nodes: Counter[str] = field(default_factory=Counter)
    properties: dict[str, PropertyCount] = field(default_factory=dict)
    property_labels: dict[str, str] = field(default_factory=dict)
    not_aligned: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    triples: int = 0
    written: Path | None = None

    def count(self, pid: str) -> PropertyCount:
        return self.properties.setdefault(pid, PropertyCount())

    @property
    def statements_mapped(self) -> int:
        return sum(c.mapped for c in self.properties.values())

    def lines(self, limit: int = 30) -> list[str]:
        """The summary the command prints."""
        out = [
            f"imported {self.file} as {self.name!r} into {self.graph}",
            f"  items: {self.items}"
            + (f" ({', '.join(f'{n} typed {t}' for t, n in sorted(self.types.items()))})" if self.types else ""),
            f"  statements mapped: {self.statements_mapped}"
            + (f" ({', '.join(f'{n} as {t}' for t, n in sorted(self.nodes.items()))})" if self.nodes else ""),
            f"  {'property':<28} {'mapped':>6} {'outranked':>9} {'deprecated':>10} {'skipped':>7}",
        ]
        for pid in sorted(self.properties, key=lambda p: int(p[1:])):
            c = self.properties[pid]
            name = f"{pid} {self.property_labels.get(pid, '')}".strip()
            out.append(f"  {name:<28} {c.mapped:>6} {c.outranked:>9} {c.deprecated:>10} {c.skipped:>7}")
        if self.not_aligned:
            total = sum(self.not_aligned.values())
            out.append(
                f"  ignored: {total} statement(s) of {len(self.not_aligned)} propert(y/ies) not in the alignment"
            )
        shown = self.notes[:limit]
        out.extend(f"  note: {note}" for note in shown)
        if len(self.notes) > limit:
            out.append(f"  … and {len(self.notes) - limit} more note(s)")
        if self.written is not None:
            target = self.written
            if target.is_absolute() and target.is_relative_to(Path.cwd()):
                target = target.relative_to(Path.cwd())
            out.append(f"  wrote {self.triples} triples to {target}")
        return out
