"""Wikidata-style data of any size, for timing ``ipkg import wikidata``: copies of the test fixture.

    python bench/wikidata_data.py TRIPLES OUTPUT.ttl
    ipkg import wikidata OUTPUT.ttl --name bench        # timed with /usr/bin/time -v, for instance

Each copy of ``tests/fixtures/wikidata/belarus-wipo.ttl`` (about 131 triples: items with labels,
statements with ranks, qualifiers, time values with precision, references) gets its own item,
statement, value and reference identifiers and its own labels, so every copy maps to new
resources; the classes and the calendar stay shared. The identifiers are made up, as the
fixture's statement identifiers are.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wikidata" / "belarus-wipo.ttl"
TRIPLES_PER_COPY = 131
SHARED = {"Q3624078", "Q1985727"}
"""Items every copy shares: the class sovereign state and the Gregorian calendar."""
NAMES = r"Belarus|WIPO|Singapore|Switzerland|Geneva|Minsk|World Intellectual Property Organization|Republic of Belarus"


def renamer(copy: int) -> Callable[[str], str]:
    """What makes copy number ``copy`` of the fixture's statements."""

    def item(match: re.Match[str]) -> str:
        qid = match.group(1)
        return match.group(0) if qid in SHARED else f"wd:{qid}{copy:07d}"

    def rename(text: str) -> str:
        text = re.sub(r"wd:(Q\d+)\b", item, text)
        text = re.sub(r"wds:(Q\d+)-FIXTURE-(\d+)", lambda m: f"wds:{m.group(1)}{copy:07d}-FIXTURE-{m.group(2)}", text)
        text = re.sub(r"fixture-(time|ref)-([\w-]+)", lambda m: f"fixture-{m.group(1)}-{m.group(2)}-{copy}", text)
        return re.sub(rf'"((?:{NAMES})[^"]*)"', lambda m: f'"{m.group(1)} {copy}"', text)

    return rename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("triples", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    text = FIXTURE.read_text(encoding="utf-8")
    prologue = "\n".join(line for line in text.splitlines() if line.startswith("PREFIX"))
    body = text[text.index("# --- Belarus") :]
    copies = max(1, args.triples // TRIPLES_PER_COPY)
    with args.output.open("w", encoding="utf-8") as out:
        out.write(prologue + "\n")
        for copy in range(copies):
            out.write(renamer(copy)(body))
    print(f"wrote {copies} copies of the fixture (about {copies * TRIPLES_PER_COPY} triples) to {args.output}")


if __name__ == "__main__":
    main()
