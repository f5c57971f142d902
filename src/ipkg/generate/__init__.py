"""Synthetic data in ipkg's ontology, at any size, for benchmarks and scale tests (``ipkg generate``).

The output models each class the way the shipped data does (see ``data/``):
states with their capitals, intergovernmental organizations with organs (and
organs of organs, so ``ipkgo:partOf*`` has depth), government bodies, people,
posts and their tenures, memberships with dates, treaties (some of them acts of
an earlier treaty) with signings, ratifications, accessions and declarations of
continued application, and visits with the meetings held during them. Every
resource has one English ``rdfs:label`` (unique across the file) and
``prov:wasDerivedFrom`` a generated ``ipkgo:Sentence`` that quotes the fact, in a
generated ``ipkgo:Source``: the file satisfies the shapes and the quality checks.

Data comes in *rounds* of about 235 triples; a round refers only to resources
of itself and of earlier rounds, so the output can stop after any round and is
written as it is made (constant memory, any size). The same seed gives the same
bytes. Names are made of syllables that encode the round number, so labels
never repeat, and never collide with the shipped data.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import TextIO

from ipkg.generate.rounds import Generator
from ipkg.generate.writer import FORMATS, Writer, word


def generate(out: TextIO, triples: int, *, seed: int = 0, fmt: str = "turtle") -> int:
    """Write rounds to ``out`` until at least ``triples`` triples are written; returns how many were."""
    writer = Writer(out, fmt)
    generator = Generator(writer, seed)
    for r in itertools.count():
        if writer.triples >= triples:
            break
        generator.round(r)
    return writer.triples


# --------------------------------------------------------------------------- the command


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ipkg generate`` on the command line's subcommands."""
    p = commands.add_parser("generate", help="write synthetic data in ipkg's ontology (for benchmarks)")
    p.add_argument("--triples", type=int, required=True, help="how many triples, at least (written in rounds of ~235)")
    p.add_argument("--output", type=Path, required=True, help="file to write (.ttl: Turtle, .nt: N-Triples); - stdout")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes; default 0)")
    p.add_argument("--format", choices=sorted(set(FORMATS.values())), help="override the format of the suffix")
    p.set_defaults(run=cmd_generate)


def cmd_generate(args: argparse.Namespace, settings: object) -> int:
    """Stream the data to ``--output``; report the triple count on stderr."""
    from ipkg.errors import ConfigError

    if args.triples < 1:
        raise ConfigError("--triples", "give a positive number of triples")
    target = str(args.output)
    fmt = args.format or FORMATS.get(args.output.suffix, "turtle" if target == "-" else "")
    if not fmt:
        raise ConfigError("--output", f"unknown suffix {args.output.suffix!r}; use .ttl or .nt (or --format)")
    if target == "-":
        count = generate(sys.stdout, args.triples, seed=args.seed, fmt=fmt)
    else:
        with args.output.open("w", encoding="utf-8", buffering=1 << 20) as out:
            count = generate(out, args.triples, seed=args.seed, fmt=fmt)
    print(f"wrote {count} triples ({fmt}) to {target}", file=sys.stderr)
    return 0


__all__ = ["FORMATS", "Generator", "Writer", "add_command", "cmd_generate", "generate", "word"]
