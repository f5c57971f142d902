"""The reliability scenarios, each against a live server and bounded in count and time.

Each function takes its sizes as arguments (the fast suite passes small ones, the
long suite, ``run.py``, large ones) and adds what it measured to a ``Tally``;
a broken promise is a line in ``Tally.problems``, so the long suite can report
everything it found and the fast suite can assert there is nothing.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import (
    ATTACKER,
    AUTH,
    BYSTANDER,
    CheapQueries,
    ProcessMemory,
    Reply,
    Server,
    call,
    percentile,
    query_path,
    read_only,
    update,
)
from tests.support import ConnectionTrap

COUNTER = "<urn:x:counter>"
NUMBERS = " ".join(str(i) for i in range(3000))


@dataclass
class Tally:
    """What the scenarios measured; ``problems`` lists every promise broken."""

    inputs: int = 0
    server_errors: int = 0
    peak_rss: int = 0
    cheap: list[float] = field(default_factory=list)
    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    remote: int = 0
    overshoot: float = 0.0
    """The longest a bomb took beyond its time limit (parsing, which precedes the limit, included)."""
    problems: list[str] = field(default_factory=list)

    def saw(self, reply: Reply | int, what: str) -> None:
        status = reply if isinstance(reply, int) else reply.status
        self.inputs += 1
        if status >= 500 and status != 503:
            self.server_errors += 1
            self.problems.append(f"{status} for {what}")

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)

    @property
    def p99(self) -> float:
        return percentile(self.cheap, 0.99)


def bomb_list(timeout: int) -> list[tuple[str, str, str, str | None]]:
    """(name, method, path, body): requests built to exhaust time or memory; each must end in a 4xx or 503."""
    chain = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(28))
    sparql = {
        "values cross product": f"SELECT (COUNT(*) AS ?n) {{ VALUES ?a {{ {NUMBERS} }} VALUES ?b {{ {NUMBERS} }} "
        f"VALUES ?c {{ {NUMBERS} }} }}",
        "order by a cross product": "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
        "count distinct *": "SELECT (COUNT(DISTINCT *) AS ?n) { ?a ?b ?c . ?d ?e ?f }",
        "group_concat": "SELECT (GROUP_CONCAT(?c) AS ?g) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "concat doubling": f'SELECT (STRLEN(?v28) AS ?n) {{ BIND("abcdefghijklmnopqrstuvwxyz" AS ?v0) {chain} }}',
        "replace growth": 'SELECT ?r { BIND(CONCAT("' + "a" * 3000 + '") AS ?a) BIND(REPLACE(?a, "", ?a) AS ?r) }',
        "catastrophic regex": 'ASK { BIND(CONCAT("' + "a" * 40 + '", "!") AS ?s) FILTER(REGEX(?s, "^(a+)+$")) }',
        "path closure cross": "SELECT (COUNT(*) AS ?n) { ?a (<urn:x:p>|!<urn:x:p>)* ?b . ?c ?d ?e }",
        "construct cross product": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "deep nesting": "SELECT * { " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000 + " }",
    }
    bombs = [(name, "GET", query_path(text, timeout=str(timeout)), None) for name, text in sparql.items()]
    ids = json.dumps({"ids": [f"x{i}" for i in range(100_000)], "properties": [{"id": "label"}]})
    batch = json.dumps({f"q{i}": {"query": "a", "limit": 50} for i in range(500)})
    bombs += [
        ("extend 100k ids", "POST", "/reconcile", "extend=" + ids),
        ("reconcile batch", "POST", "/reconcile", "queries=" + batch),
    ]
    return bombs


def run_bombs(server: Server, tally: Tally, *, timeout: int, slack: float, parallel: int) -> None:
    """Every bomb alone, then ``parallel`` copies of the worst at once from different addresses: each ends within
    ``timeout + slack`` s with a 4xx or 503, and a bystander's cheap query keeps being answered meanwhile."""
    assert server.process is not None
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with ProcessMemory(server.process.pid) as memory, CheapQueries(server.url) as cheap:
        for name, method, path, body in bomb_list(timeout):
            reply = call(
                server.url,
                method,
                path,
                body=body,
                headers=form if body else {},
                source=ATTACKER,
                timeout=timeout + 120,
            )
            tally.saw(reply, f"bomb {name}")
            # 200: the engine defused it (a value unbound, a match stopped) or simply finished within the limit
            tally.check(reply.status in (200, 400, 403, 413, 422, 429, 503), f"bomb {name}: status {reply.status}")
            tally.check(reply.seconds <= timeout + slack, f"bomb {name}: answered after {reply.seconds:.1f} s")
            tally.overshoot = max(tally.overshoot, reply.seconds - timeout)
        replies: list[Reply] = []
        query = bomb_list(timeout)[0][2]
        threads = [
            threading.Thread(
                target=lambda i=i: replies.append(
                    call(server.url, "GET", query, source=f"127.0.1.{i + 1}", timeout=timeout + 120)
                )
            )
            for i in range(parallel)
        ]
        for thread in threads:
            thread.start()
        time.sleep(min(1.0, timeout / 2))
        health = call(server.url, "GET", "/health", source=BYSTANDER, timeout=30)
        for thread in threads:
            thread.join(timeout=timeout + 150)
        # with as many bombs as worker threads, /health waits for a thread: at most until the first bomb's limit
        tally.check(
            health.status == 200 and health.seconds < timeout + slack + 2,
            f"/health under {parallel} bombs: {health.status} after {health.seconds:.1f} s",
        )
        for reply in replies:
            tally.saw(reply, "parallel bomb")
            # each parse of the 40 kB query takes its turn under the parser lock before its own time limit starts
            tally.check(
                reply.seconds <= timeout + slack + 4 * parallel, f"parallel bomb answered after {reply.seconds:.1f} s"
            )
            tally.overshoot = max(tally.overshoot, reply.seconds - timeout)
    tally.peak_rss = max(tally.peak_rss, memory.peak)
    tally.cheap.extend(cheap.latencies())
    slow = [s for s in cheap.latencies() if s > 2]
    tally.check(
        len(slow) <= max(1, len(cheap.replies) // 20),
        f"{len(slow)} of {len(cheap.replies)} cheap queries took over 2 s during bombs",
    )


def run_hostile(server: Server, tally: Tally, *, examples: int, seconds: float) -> None:
    """Property-based hostile requests over HTTP (see ``hostile``); no 5xx, and the data unchanged."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings

    from tests.reliability.hostile import FUZZ_GRAPH, requests, send_over_http

    before = _graphs(server, exclude=FUZZ_GRAPH)
    stop = time.monotonic() + seconds

    @hypothesis_settings(
        max_examples=examples, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck)
    )
    @given(requests())
    def probe(request: object) -> None:
        if time.monotonic() > stop:
            return
        status = send_over_http(server.url, request, ATTACKER)  # type: ignore[arg-type]
        tally.saw(status, request.describe())  # type: ignore[attr-defined]

    probe()
    after = _graphs(server, exclude=FUZZ_GRAPH)
    tally.check(before == after, "hostile requests changed the data outside the scratch graph")


def _graphs(server: Server, *, exclude: str) -> dict[str, int]:
    sizes = call(server.url, "GET", "/health", source=BYSTANDER).json()["graphs"]
    return {k: v for k, v in sizes.items() if k != exclude}


def run_slow_clients(server: Server, tally: Tally, *, connections: int, seconds: float, every: float) -> None:
    """``connections`` clients send a byte every ``every`` s for ``seconds`` s; normal clients still get answers."""
    sockets: list[socket.socket] = []
    for i in range(connections):
        sock = socket.socket()
        sock.settimeout(5)
        try:
            sock.bind((f"127.0.2.{1 + i % 250}", 0))
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)
        except OSError:
            sock.close()
    answered = 0
    asked = 0
    stop = time.monotonic() + seconds
    try:
        while time.monotonic() < stop:
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"X")
            reply = call(server.url, "GET", query_path("ASK {}"), source=BYSTANDER, timeout=10)
            asked += 1
            answered += reply.status == 200
            tally.cheap.append(reply.seconds if reply.status == 200 else float("inf"))
            time.sleep(every)
    finally:
        for sock in sockets:
            sock.close()
    tally.inputs += connections + asked
    tally.check(
        asked > 0 and answered == asked,
        f"{answered} of {asked} normal requests answered beside {len(sockets)} slow connections",
    )


def run_crashes(server: Server, tally: Tally, *, kills: int, seconds: float, big_every: int = 5) -> None:
    """Updates from one writer, killed (SIGKILL) at a random moment, ``kills`` times; after each restart the store
    holds exactly the acknowledged updates (plus, at most, the one in flight), in order."""
    sent: list[str] = []
    acknowledged: list[str] = []
    rng = random.Random(1)  # noqa: S311 - a reproducible schedule, not a secret
    stop = time.monotonic() + seconds
    for cycle in range(kills):
        if time.monotonic() > stop:
            break
        server.start()
        _check_prefix(server, tally, sent, acknowledged)
        halt = threading.Event()

        def write(cycle: int = cycle, halt: threading.Event = halt) -> None:
            number = 0
            while not halt.is_set():
                marker = f"c{cycle}-{number}"
                extra = ' ; <urn:x:pad> "' + "p" * 200_000 + '"' if number % big_every == big_every - 1 else ""
                sent.append(marker)
                reply = update(
                    server.url, f'INSERT DATA {{ <urn:x:{marker}> <urn:x:seq> "{marker}"{extra} }}', timeout=60
                )
                if reply.status == 200:
                    acknowledged.append(marker)
                elif reply.status:
                    tally.saw(reply, "update in a crash cycle")
                    sent.pop()
                number += 1

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        time.sleep(rng.uniform(0.5, 6.0))
        server.kill()
        halt.set()
        writer.join(timeout=60)
        tally.kills += 1
    server.start()
    _check_prefix(server, tally, sent, acknowledged)
    server.stop()
    tally.acknowledged += len(acknowledged)


def _check_prefix(server: Server, tally: Tally, sent: list[str], acknowledged: list[str]) -> None:
    reply = call(
        server.url,
        "GET",
        query_path("SELECT ?m { ?s <urn:x:seq> ?m }"),
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    present = {b["m"]["value"] for b in reply.json()["results"]["bindings"]} if reply.status == 200 else set()
    lost = [m for m in acknowledged if m not in present]
    tally.lost += len(lost)
    tally.check(not lost, f"acknowledged updates lost after a kill: {lost[:5]}")
    unexpected = present - set(acknowledged)
    in_flight = set(sent[len(acknowledged) : len(acknowledged) + 1]) if len(sent) > len(acknowledged) else set()
    tally.check(unexpected <= in_flight, f"updates present that were never acknowledged: {sorted(unexpected)[:5]}")
    if unexpected:  # the kill came after the commit and before the answer: it counts from now on
        acknowledged.extend(sorted(unexpected))
    del sent[len(acknowledged) :]
    sent[:] = list(acknowledged)


def run_concurrent_writers(server: Server, tally: Tally, *, writers: int, each: int, seconds: float) -> None:
    """``writers`` × ``each`` increments of one counter, with readers: none lost or doubled, no half-update seen."""
    update(server.url, f"INSERT DATA {{ {COUNTER} <urn:x:n> 0 ; <urn:x:m> 0 }}")
    increment = (
        f"DELETE {{ {COUNTER} <urn:x:n> ?n ; <urn:x:m> ?m }} INSERT {{ {COUNTER} <urn:x:n> ?n1 ; "
        f"<urn:x:m> ?m1 }} WHERE {{ {COUNTER} <urn:x:n> ?n ; <urn:x:m> ?m BIND(?n + 1 AS ?n1) "
        f"BIND(?m + 1 AS ?m1) }}"
    )
    done = [0] * writers
    stop = time.monotonic() + seconds
    halt = threading.Event()
    torn: list[str] = []

    def write(index: int) -> None:
        while done[index] < each and time.monotonic() < stop:
            reply = update(server.url, increment, source=f"127.0.3.{index + 1}", timeout=120)
            tally.saw(reply, "concurrent increment")
            if reply.status == 200:
                done[index] += 1
            else:
                time.sleep(min(2.0, float(reply.headers.get("Retry-After", "1"))) * random.random())  # noqa: S311

    def read() -> None:
        while not halt.is_set():
            reply = call(
                server.url,
                "GET",
                query_path(f"SELECT ?n ?m {{ {COUNTER} <urn:x:n> ?n ; <urn:x:m> ?m }}"),
                headers={"Accept": "application/sparql-results+json"},
                source="127.0.4.1",
            )
            if reply.status == 200:
                rows = reply.json()["results"]["bindings"]
                if len(rows) != 1 or rows[0]["n"]["value"] != rows[0]["m"]["value"]:
                    torn.append(json.dumps(rows)[:200])
            time.sleep(0.05)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 200)
    halt.set()
    reader.join(timeout=60)
    final = call(
        server.url,
        "GET",
        query_path(f"SELECT ?n {{ {COUNTER} <urn:x:n> ?n }}"),
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    value = int(final[0]["n"]["value"]) if len(final) == 1 else -1
    tally.acknowledged += sum(done)
    tally.lost += max(0, sum(done) - value)
    tally.check(value == sum(done), f"counter is {value} after {sum(done)} acknowledged increments")
    tally.check(not torn, f"half-updates seen by readers: {torn[:3]}")


def run_disk_faults(folder: Path, tally: Tally, backend: str | None) -> None:
    """A read-only state directory at start, and a journal that cannot be written during an update."""
    server = Server(folder / "disk", backend=backend).start()
    marker = 'INSERT DATA { <urn:x:disk> <urn:x:p> "%s" }'
    ok = update(server.url, marker % "before")
    tally.check(ok.status == 200, f"update before the disk fault: {ok.status}")
    journal = server.state_dir / "store" / "journal.jsonl"
    with read_only(journal) as done:
        if done:
            reply = update(server.url, marker % "during")
            tally.saw(reply, "update on a read-only journal")
            tally.check(
                reply.status == 503 and b"journal" in reply.body,
                f"update on a read-only journal: {reply.status} {reply.body[:120]!r}",
            )
            present = call(
                server.url,
                "GET",
                query_path('ASK { <urn:x:disk> <urn:x:p> "during" }'),
                headers={"Accept": "application/sparql-results+json"},
            ).json()
            tally.check(present["boolean"] is False, "a refused update is visible")
    again = update(server.url, marker % "after")
    tally.check(again.status == 200, f"update after the disk fault: {again.status}")
    server.stop()
    with journal.open("ab") as handle:
        handle.write(b'{"kind": "effect", "torn')
    content = journal.read_bytes()
    with read_only(journal.parent) as done:
        if done:
            try:
                server.start(within=60)
            except RuntimeError as error:  # the journal must be read and its torn tail cannot be set aside
                tally.check("writable" in str(error), f"unclear start error: {str(error)[-300:]}")
            else:  # a backend that need not read the journal starts; writes are then refused clearly
                reply = update(server.url, marker % "read-only")
                tally.saw(reply, "update with a read-only state folder")
                tally.check(  # 503 naming the file that could not be written (the journal, or a store's own)
                    reply.status == 503 and b"cannot write" in reply.body,
                    f"update with a read-only state folder: {reply.status} {reply.body[:120]!r}",
                )
                server.stop()
            tally.check(journal.read_bytes() == content, "the journal changed while its folder was read-only")
    server.start()
    present = call(
        server.url,
        "GET",
        query_path('ASK { <urn:x:disk> <urn:x:p> "after" }'),
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    tally.check(present["boolean"] is True, "acknowledged update missing after the disk faults")
    server.stop()


def run_uploads(server: Server, tally: Tally, trap: ConnectionTrap, *, megabytes: int) -> None:
    """Uploads are refused whole or applied whole: XXE, remote @context, Turtle broken on its last line, big bodies."""
    put: Callable[[bytes, str], Reply] = lambda body, media: call(  # noqa: E731
        server.url,
        "PUT",
        "/graph-store?graph=urn:x:upload",
        body=body,
        headers={**AUTH, "Content-Type": media},
        timeout=600,
    )
    before = _graphs(server, exclude="")
    refused = [
        (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{trap.base}/x">]><r>&e;</r>'.encode(),
            "application/rdf+xml",
        ),
        (json.dumps({"@context": trap.base + "/c", "@id": "urn:x:s", "n": "x"}).encode(), "application/ld+json"),
        (
            (
                "".join(f'<urn:x:s{i}> <urn:x:p> "{i}" .\n' for i in range(20_000)) + '<urn:x:s> <urn:x:p> "x .\n'
            ).encode(),
            "text/turtle",
        ),
        (b'<urn:x:s> <urn:x:p> "' + b"x" * (megabytes * 1024 * 1024) + b'" .\n' + b"\xff", "application/n-triples"),
    ]
    for body, media in refused:
        reply = put(body, media)
        tally.saw(reply, f"upload {media}")
        tally.check(400 <= reply.status < 500, f"hostile upload {media}: {reply.status}")
    tally.check(_graphs(server, exclude="") == before, "a refused upload changed the data")
    huge = b'<urn:x:s> <urn:x:p> "' + b"y" * (megabytes * 1024 * 1024) + b'" .\n'
    reply = put(huge, "application/n-triples")
    tally.saw(reply, "big upload")
    tally.check(reply.status in (201, 204, 413), f"big upload: {reply.status}")
    if reply.status in (201, 204):
        size = call(server.url, "GET", "/health").json()["graphs"].get("urn:x:upload")
        tally.check(size == 1, f"a big upload was not applied whole: {size}")
    tally.remote += trap.count()
