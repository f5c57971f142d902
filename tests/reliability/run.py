"""The long reliability suite (``make reliability``): every scenario at full size, then one table.

    python -m tests.reliability.run [--backends memory,oxigraph] [--kills 50] [--minutes-per-scenario 15] …

Each scenario runs against a fresh ``ipkg serve`` on 127.0.0.1 and is bounded in
count and time; nothing is sent anywhere but the loopback interface. The table has
one column per backend; the run fails (exit 1) when a promise is broken: a 5xx, an
acknowledged update lost, a remote connection made, or a problem a scenario lists.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import Server
from tests.support import ConnectionTrap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.run", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=os.environ.get("IPKG_STORE", "memory,oxigraph"))
    parser.add_argument("--examples", type=int, default=2000, help="hostile requests over HTTP")
    parser.add_argument("--timeout", type=int, default=5, help="the bombs' time limit (s)")
    parser.add_argument("--parallel", type=int, default=8, help="bombs at once")
    parser.add_argument("--slow", type=int, default=200, help="slow connections")
    parser.add_argument("--slow-seconds", type=float, default=60)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--updates", type=int, default=25, help="updates per writer")
    parser.add_argument("--upload-mb", type=int, default=9)
    parser.add_argument("--minutes-per-scenario", type=float, default=15)
    args = parser.parse_args(argv)
    limit = args.minutes_per_scenario * 60
    columns: dict[str, scenarios.Tally] = {}
    started = time.monotonic()
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        tally = columns[backend] = scenarios.Tally()
        with tempfile.TemporaryDirectory(prefix="ipkg-reliability-") as scratch, ConnectionTrap() as trap:
            folder = Path(scratch)
            steps = _steps(backend, args, trap, limit)
            for name, step in steps:
                print(f"[{backend}] {name} …", file=sys.stderr, flush=True)
                began = time.monotonic()
                try:
                    step(folder / name.replace(" ", "-"), tally)
                except Exception as error:  # noqa: BLE001 - a scenario that breaks is a problem to report
                    tally.problems.append(f"{name}: {type(error).__name__}: {error}"[:400])
                print(f"[{backend}] {name}: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
            tally.remote += trap.count()
    print(table(columns, args, time.monotonic() - started))
    broken = any(t.problems or t.server_errors or t.lost or t.remote for t in columns.values())
    for backend, tally in columns.items():
        for problem in tally.problems:
            print(f"problem [{backend}]: {problem}")
    return 1 if broken else 0


Step = Callable[[Path, scenarios.Tally], None]


def _steps(backend: str, args: argparse.Namespace, trap: ConnectionTrap, limit: float) -> list[tuple[str, Step]]:
    """(name, run) of every scenario at the sizes asked for."""
    return [
        (
            "hostile input",
            lambda f, t: _served(
                f, backend, lambda s: scenarios.run_hostile(s, t, examples=args.examples, seconds=limit)
            ),
        ),
        (
            "bombs",
            lambda f, t: _served(
                f, backend, lambda s: scenarios.run_bombs(s, t, timeout=args.timeout, slack=1, parallel=args.parallel)
            ),
        ),
        (
            "slow clients",
            lambda f, t: _served(
                f,
                backend,
                lambda s: scenarios.run_slow_clients(
                    s, t, connections=args.slow, seconds=min(args.slow_seconds, limit), every=1.0
                ),
            ),
        ),
        ("kills", lambda f, t: scenarios.run_crashes(Server(f, backend=backend), t, kills=args.kills, seconds=limit)),
        (
            "concurrency",
            lambda f, t: _served(
                f,
                backend,
                lambda s: scenarios.run_concurrent_writers(
                    s, t, writers=args.writers, each=args.updates, seconds=limit
                ),
            ),
        ),
        ("disk faults", lambda f, t: scenarios.run_disk_faults(f, t, backend)),
        (
            "uploads",
            lambda f, t: _served(f, backend, lambda s: scenarios.run_uploads(s, t, trap, megabytes=args.upload_mb)),
        ),
    ]


def _served(folder: Path, backend: str, scenario: Callable[[Server], None]) -> None:
    with Server(folder, backend=backend, settings={"IPKG_QUERY_TIMEOUT": "30"}) as server:
        scenario(server)


def table(columns: dict[str, scenarios.Tally], args: argparse.Namespace, seconds: float) -> str:
    """One Markdown table: a row per measure, a column per backend."""
    names = list(columns)
    rows = [
        ("inputs tried", lambda t: f"{t.inputs}"),
        ("5xx answers (must be 0)", lambda t: f"{t.server_errors}"),
        ("peak RSS under bombs (server and workers)", lambda t: f"{t.peak_rss / 2**20:.0f} MiB"),
        ("cheap-query p99 under attack", lambda t: f"{t.p99:.2f} s"),
        (f"longest bomb past its {args.timeout} s limit", lambda t: f"{t.overshoot:.1f} s"),
        ("kills survived (SIGKILL during updates)", lambda t: f"{t.kills}"),
        ("acknowledged updates", lambda t: f"{t.acknowledged}"),
        ("acknowledged updates lost (must be 0)", lambda t: f"{t.lost}"),
        ("remote connections made (must be 0)", lambda t: f"{t.remote}"),
        ("problems found", lambda t: f"{len(t.problems)}"),
    ]
    lines = ["| measure | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    lines += [f"| {label} | " + " | ".join(cell(columns[n]) for n in names) + " |" for label, cell in rows]
    lines.append(
        f"\n({seconds / 60:.0f} min; {args.examples} hostile requests, {args.parallel} bombs at once, "
        f"{args.slow} slow connections for {args.slow_seconds:g} s, {args.kills} kills, "
        f"{args.writers} writers × {args.updates} updates, {args.upload_mb} MB uploads)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
