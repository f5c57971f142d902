"""ipkg's benchmark harness (``make bench``): prints one markdown table, ipkg next to its peers.

Every figure is measured in this run, interleaved with its peer (A B A B …),
as the median of the runs; the ratios are ipkg's figure over the peer's. Knobs
(environment variables, defaults in ``Knobs``) are documented in the README's
"Performance" section. Generated data and stores go to ``BENCH_DIR``
(default ``var/bench``); only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadgen import median, query_path
from procs import Server, clean_env, free_port, http_call, run_quiet, run_step
from scenarios import QUERIES, http_cells
from table import Row, build_target, fmt_mb, fmt_ms, fmt_s, ratio, render, verdict

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = sys.executable
TOKEN = "bench-token"  # noqa: S105 - the bearer token of throwaway servers on 127.0.0.1
SHIPPED_SOURCE = "https://w3id.org/ipkg/id/source/mfa-belarus-wipo"
GENERATED_SOURCE = "https://w3id.org/ipkg/id/source/gen-0"


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def size_name(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default).strip()


NAN = float("nan")


@dataclass
class Knobs:
    """What the harness measures and how long it may take (``BENCH_*`` environment variables)."""

    sizes: list[int] = field(default_factory=lambda: [10_000, 100_000])
    serve_sizes: list[int] = field(default_factory=lambda: [100_000])
    http_data: str = "shipped"
    concurrency: list[int] = field(default_factory=lambda: [1, 4, 16])
    rounds: int = 3
    cell_seconds: float = 1.0
    cell_requests: int = 5000
    build_repeat: int = 3
    build_repeat_large: int = 1
    build_timeout: float = 900.0
    starts: int = 3
    updates: int = 5
    updates_large: int = 5
    update_timeout: float = 900.0
    peers: list[str] = field(default_factory=lambda: ["bare", "oxigraph", "rdflib"])
    seed: int = 0
    directory: Path = REPO / "var" / "bench"

    @classmethod
    def from_env(cls) -> Knobs:
        k = cls()
        sizes = [parse_size(s) for s in _env("BENCH_SIZES", "10k,100k").split(",") if s.strip()]
        serve = [parse_size(s) for s in _env("BENCH_SERVE_SIZES", "100k").split(",") if s.strip()]
        k.sizes, k.serve_sizes = sizes, serve
        k.http_data = _env("BENCH_HTTP_DATA", k.http_data)
        k.concurrency = [int(c) for c in _env("BENCH_CONCURRENCY", "1,4,16").split(",")]
        k.rounds = int(_env("BENCH_ROUNDS", str(k.rounds)))
        k.cell_seconds = float(_env("BENCH_CELL_SECONDS", str(k.cell_seconds)))
        k.cell_requests = int(_env("BENCH_CELL_REQUESTS", str(k.cell_requests)))
        k.build_repeat = int(_env("BENCH_BUILD_REPEAT", str(k.build_repeat)))
        k.build_repeat_large = int(_env("BENCH_BUILD_REPEAT_LARGE", str(k.build_repeat_large)))
        k.build_timeout = float(_env("BENCH_BUILD_TIMEOUT", str(k.build_timeout)))
        k.starts = int(_env("BENCH_STARTS", str(k.starts)))
        k.updates = int(_env("BENCH_UPDATES", str(k.updates)))
        k.updates_large = int(_env("BENCH_UPDATES_LARGE", str(k.updates_large)))
        k.update_timeout = float(_env("BENCH_UPDATE_TIMEOUT", str(k.update_timeout)))
        k.peers = [p for p in _env("BENCH_PEERS", ",".join(k.peers)).split(",") if p]
        k.seed = int(_env("BENCH_SEED", str(k.seed)))
        k.directory = Path(_env("BENCH_DIR", str(k.directory))).resolve()
        return k


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, knobs: Knobs) -> None:
        self.k = knobs
        self.dir = knobs.directory
        self.logs = self.dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.servers: list[Server] = []
        self.quads: dict[str, int] = {}

    # -- data and projects -----------------------------------------------------

    def data_file(self, n: int) -> Path:
        path = self.dir / "data" / f"generated-{size_name(n)}-seed{self.k.seed}.ttl"
        if not path.exists():
            say(f"generating {size_name(n)} triples → {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
            command = [PY, "-m", "ipkg", "-q", "generate", "--triples", str(n), "--output", str(path)]
            command += ["--seed", str(self.k.seed)]
            if not run_quiet(command, timeout=3600, log=self.logs / "generate.log", env=clean_env()):
                raise RuntimeError(f"ipkg generate failed; see {self.logs / 'generate.log'}")
        return path

    def project(self, name: str) -> Path:
        """``BENCH_DIR/<name>/project``: the repository's ontology and shapes, and the data ``name`` stands for.

        ``shipped`` is a snapshot of data/; ``10k``, ``100k`` … are generated files; ``shipped+100k`` both.
        """
        root = self.dir / name / "project"
        for folder in ("ontology", "shapes", "data"):
            shutil.rmtree(root / folder, ignore_errors=True)
        for folder in ("ontology", "shapes"):
            shutil.copytree(REPO / folder, root / folder)
        (root / "data").mkdir(parents=True)
        for part in name.split("+"):
            if part == "shipped":
                shutil.copytree(REPO / "data", root / "data", dirs_exist_ok=True)
            else:
                os.link(self.data_file(parse_size(part)), root / "data" / f"generated-{part}.ttl")
        return root

    def state(self, name: str) -> Path:
        return self.dir / name / "state"

    # -- servers ---------------------------------------------------------------

    def start(self, system: str, name: str, *, within: float) -> tuple[Server, float]:
        """Start ``system`` (ipkg, bare, oxigraph, rdflib) on dataset ``name``; (server, seconds to ready)."""
        port = free_port()
        base = self.dir / name
        if system == "ipkg":
            command = [PY, "-m", "ipkg", "--root", str(base / "project"), "serve", "--port", str(port)]
            command += ["--update-token", TOKEN]
            # All the load comes from one address: lift the per-client limits (429) that would refuse it.
            limits = {"IPKG_CLIENT_CONCURRENCY": str(4 * max(self.k.concurrency)), "IPKG_CLIENT_RATE": "0"}
            env, ready = clean_env(IPKG_STATE_DIR=str(self.state(name)), **limits), "/health"
        elif system == "bare":
            command = [PY, str(BENCH / "bare_app.py"), "--store", str(base / "bare-store"), "--port", str(port)]
            command += ["--load", str(base / "dump.nq"), "--token", TOKEN]
            env, ready = clean_env(), "/health"
        elif system == "oxigraph":
            command = [str(Path(PY).parent / "oxigraph"), "serve-read-only", "--location", str(base / "oxigraph-store")]
            command += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
            env, ready = clean_env(), "/query?query=ASK%7B%7D"
        else:
            command = [PY, str(BENCH / "rdflib_app.py"), "--load", str(base / "dump.nq"), "--port", str(port)]
            env, ready = clean_env(), "/sparql?query=ASK%7B%7D"
        server = Server(
            f"{system}@{name}", command, port=port, ready_path=ready, log=self.logs / f"{system}.log", env=env
        )
        self.servers.append(server)
        try:
            return server, server.wait_ready(within)
        except (TimeoutError, RuntimeError):
            self.stop(server)
            raise

    def stop(self, server: Server) -> None:
        server.stop()
        if server in self.servers:
            self.servers.remove(server)

    def stop_all(self) -> None:
        for server in list(self.servers):
            self.stop(server)

    def prepare(self, name: str) -> bool:
        """Build ipkg's store for dataset ``name`` (untimed first start), dump it, load the peers' stores."""
        base = self.dir / name
        self.project(name)
        shutil.rmtree(self.state(name) / "store", ignore_errors=True)  # no journal, no store: a clean start
        say(f"{name}: first start of ipkg serve (builds the store; not timed)")
        try:
            server, seconds = self.start("ipkg", name, within=self.k.build_timeout)
        except (TimeoutError, RuntimeError) as exc:
            say(f"{name}: ipkg serve did not start: {exc}")
            return False
        self.stop(server)
        say(f"{name}: store ready after {seconds:.1f} s; dumping it for the peers")
        dump = base / "dump.nq"
        step = [PY, str(BENCH / "steps.py"), "oxdump", str(self.state(name) / "store" / "oxigraph"), str(dump)]
        result = run_step(step, timeout=self.k.build_timeout, log=self.logs / "steps.log", env=clean_env())
        if result is None:
            return False
        self.quads[name] = int(result["quads"])
        for folder in ("bare-store", "oxigraph-store"):
            shutil.rmtree(base / folder, ignore_errors=True)
        load = [
            str(Path(PY).parent / "oxigraph"),
            "load",
            "--location",
            str(base / "oxigraph-store"),
            "--file",
            str(dump),
        ]
        if not run_quiet(load, timeout=self.k.build_timeout, log=self.logs / "oxigraph-load.log", env=clean_env()):
            return False
        step = [PY, str(BENCH / "steps.py"), "oxstore", str(dump), str(base / "bare-store")]
        return run_step(step, timeout=self.k.build_timeout, log=self.logs / "steps.log", env=clean_env()) is not None

    def label(self, name: str) -> str:
        quads = self.quads.get(name)
        return f"{name} ({quads:,} quads)" if quads else name

    # -- build ---------------------------------------------------------------------

    def builds(self) -> list[Row]:
        rows = []
        for n in self.k.sizes:
            name = size_name(n)
            project = self.project(name)
            data = self.data_file(n)
            repeat = self.k.build_repeat if n < 100_000 else self.k.build_repeat_large
            ipkg: list[dict[str, Any] | None] = []
            ox: list[dict[str, Any] | None] = []
            for i in range(repeat):
                say(f"build {name}: run {i + 1}/{repeat} (ipkg, then pyoxigraph bulk load)")
                step = [PY, str(BENCH / "steps.py"), "build", str(project), str(self.state(name))]
                ipkg.append(run_step(step, timeout=self.k.build_timeout, log=self.logs / "steps.log", env=clean_env()))
                step = [PY, str(BENCH / "steps.py"), "oxload", str(data), str(self.dir / name / "oxload-store")]
                ox.append(run_step(step, timeout=self.k.build_timeout, log=self.logs / "steps.log", env=clean_env()))
            rows.append(self._build_row(n, ipkg, ox))
        return rows

    def _build_row(self, n: int, ipkg: list[dict[str, Any] | None], ox: list[dict[str, Any] | None]) -> Row:
        done = [r for r in ipkg if r]
        loads = [r["total"] for r in ox if r]
        label = f"{size_name(n)} generated"
        if not done:
            cell = f"> {self.k.build_timeout:.0f} s (stopped)" if any(r is None for r in ipkg) else "failed"
            return Row(
                "build: load + validate + reason", label, cell, fmt_s(median(loads)), target=build_target(n, None)
            )
        total = median([r["total"] for r in done])
        steps = ", ".join(f"{s} {fmt_s(median([r[s] for r in done]))}" for s in ("load", "validate", "reason"))
        return Row(
            "build: load + validate + reason (ipkg) · bulk load (pyoxigraph)",
            f"{label} ({int(done[0]['quads']):,} quads built)",
            f"{fmt_s(total)} ({steps})",
            pyoxigraph=fmt_s(median(loads)),
            vs_pyoxigraph=ratio(total, median(loads)),
            target=build_target(n, total),
        )

    # -- start and memory ------------------------------------------------------

    def starts(self, name: str) -> list[Row]:
        systems = ["ipkg", "bare", *(["oxigraph"] if "oxigraph" in self.k.peers else [])]
        ready: dict[str, list[float]] = {s: [] for s in systems}
        rss: dict[str, list[float]] = {s: [] for s in systems}
        rss_query: dict[str, list[float]] = {s: [] for s in systems}
        query = (REPO / "queries" / "cq" / QUERIES[0][1]).read_text(encoding="utf-8")
        for i in range(self.k.starts):
            for system in systems[i % len(systems) :] + systems[: i % len(systems)]:
                try:
                    server, seconds = self.start(system, name, within=self.k.build_timeout)
                except (TimeoutError, RuntimeError) as exc:
                    say(f"start {system}@{name}: {exc}")
                    continue
                ready[system].append(seconds)
                rss[system].append(server.rss()[1])
                path = "/query" if system == "oxigraph" else "/sparql"
                http_call(server.port, "GET", query_path(path, query), headers={}, timeout=60)
                rss_query[system].append(server.rss()[1])
                self.stop(server)
        data = self.label(name)
        cells = {s: fmt_s(median(ready[s])) for s in systems}
        mem = {s: f"{fmt_mb(median(rss[s]))} ({fmt_mb(median(rss_query[s]))})" for s in systems}
        return [
            Row(
                "serve start with a built store (until /health answers)",
                data,
                cells["ipkg"],
                cells["bare"],
                cells.get("oxigraph", "—"),
                vs_pyoxigraph=ratio(median(ready["ipkg"]), median(ready["bare"])),
                vs_oxigraph=ratio(median(ready["ipkg"]), median(ready.get("oxigraph", []))),
                target=verdict(median(ready["ipkg"]) < 2, "< 2 s"),
            ),
            Row(
                "RSS after start, process tree (after one query)",
                data,
                mem["ipkg"],
                mem["bare"],
                mem.get("oxigraph", "—"),
                vs_pyoxigraph=ratio(median(rss["ipkg"]), median(rss["bare"])),
                vs_oxigraph=ratio(median(rss["ipkg"]), median(rss.get("oxigraph", []))),
            ),
        ]

    # -- updates ---------------------------------------------------------------

    def updates(self, name: str, ipkg: Server, bare: Server, count: int) -> list[Row]:
        """The first write after a start (ipkg builds its writer's state then), and the p50 of ``count`` more."""
        source = SHIPPED_SOURCE if "shipped" in name else GENERATED_SOURCE
        stamp = int(time.time())
        times: dict[str, list[float]] = {"ipkg": [], "bare": []}
        failures: list[str] = []
        for i in range(count + 1):
            text = (
                "PREFIX ipkgo: <https://w3id.org/ipkg/ontology#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
                f"INSERT DATA {{ <https://w3id.org/ipkg/id/bench-state-{stamp}-{i}> a ipkgo:State ;\n"
                f'  rdfs:label "Bench state {stamp} {i}"@en ; prov:wasDerivedFrom <{source}> . }}'
            ).encode()
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
            for system, server, path in (("ipkg", ipkg, "/sparql"), ("bare", bare, "/update")):
                try:
                    status, body, seconds = http_call(
                        server.port, "POST", path, body=text, headers=headers, timeout=self.k.update_timeout
                    )
                except OSError as exc:
                    failures.append(f"{system}: {type(exc).__name__}")
                    continue
                if status == 200:
                    times[system].append(seconds)
                else:
                    failures.append(f"{system}: HTTP {status} {body[:120]!r}")
        if failures:
            say(f"update {name}: {failures}")
        large = name not in ("shipped",)
        stopped = f"> {self.k.update_timeout:.0f} s (stopped)"
        first = times["ipkg"][:1]
        rest, bare_rest = times["ipkg"][1:], times["bare"][1:]
        ipkg_p50 = median(rest)
        return [
            Row(
                "update: the first INSERT DATA after a start (ipkg builds its writer's state)",
                self.label(name),
                fmt_ms(first[0]) if first else stopped,
                fmt_ms(times["bare"][0]) if times["bare"] else "—",
                vs_pyoxigraph=ratio(first[0] if first else NAN, times["bare"][0] if times["bare"] else NAN),
                target="—",
            ),
            Row(
                f"update: one INSERT DATA with a bearer token, p50 of the {count} after the first",
                self.label(name),
                fmt_ms(ipkg_p50) if rest else stopped,
                fmt_ms(median(bare_rest)),
                vs_pyoxigraph=ratio(ipkg_p50, median(bare_rest)),
                target=verdict(ipkg_p50 < 0.1, "< 100 ms p50") if large else "—",
            ),
        ]

    # -- the whole run ---------------------------------------------------------

    def run(self) -> list[Row]:
        build_rows = self.builds()
        start_rows: list[Row] = []
        http_rows: list[Row] = []
        update_rows: list[Row] = []
        datasets = ["shipped"] + [size_name(n) for n in self.k.serve_sizes]
        http_name = self.k.http_data
        for name in dict.fromkeys([http_name, *datasets]):
            if not self.prepare(name):
                say(f"{name}: skipped (ipkg's store could not be prepared)")
                continue
            if name in datasets:
                start_rows += self.starts(name)
            large = name != "shipped"
            servers = {}
            try:
                wanted = ["ipkg", "bare"] + ([p for p in self.k.peers if p != "bare"] if name == http_name else [])
                for system in wanted:
                    try:
                        servers[system] = self.start(system, name, within=self.k.build_timeout)[0]
                    except (TimeoutError, RuntimeError) as exc:
                        say(f"{system}@{name} did not start: {exc}")
                if name == http_name and "ipkg" in servers and "bare" in servers:
                    http_rows += http_cells(self.k, servers, self.label(name), say)
                if name in datasets and "ipkg" in servers and "bare" in servers:
                    count = self.k.updates_large if large else self.k.updates
                    update_rows += self.updates(name, servers["ipkg"], servers["bare"], count)
            finally:
                for server in servers.values():
                    self.stop(server)
            shutil.rmtree(self.state(name) / "store", ignore_errors=True)  # the updates' journal goes too
        return build_rows + http_rows + update_rows + start_rows


def main() -> int:
    knobs = Knobs.from_env()
    began = time.perf_counter()
    bench = Bench(knobs)
    try:
        rows = bench.run()
    finally:
        bench.stop_all()
    import pyoxigraph

    settings = {k: os.environ[k] for k in sorted(os.environ) if k.startswith("BENCH_")}
    caption = (
        f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}; medians of interleaved runs; "
        f"{json.dumps(settings) if settings else 'default knobs'}; took {(time.perf_counter() - began) / 60:.1f} min"
    )
    print(render(rows, caption), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
