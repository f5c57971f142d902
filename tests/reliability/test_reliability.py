"""The fast part of the reliability suite: every scenario of ``scenarios`` at a small size, on a live server.

The server runs in a child process on 127.0.0.1 with the configured store
backend (``IPKG_STORE``). The long part is ``make reliability`` (``run.py``).
Hostile input is also sent in-process on every backend, through Flask's test
client (``tests/endpoint/test_hostile_property.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import scenarios
from tests.reliability.harness import Server, call
from tests.support import ConnectionTrap

pytestmark = [pytest.mark.live, pytest.mark.slow]


def assert_kept(tally: scenarios.Tally) -> None:
    assert tally.problems == [], "\n".join(tally.problems)
    assert tally.server_errors == 0 and tally.lost == 0 and tally.remote == 0


@pytest.fixture
def server(tmp_path: Path) -> Server:
    return Server(tmp_path, settings={"IPKG_QUERY_TIMEOUT": "10"})


def test_bombs(server: Server) -> None:
    tally = scenarios.Tally()
    with server:
        scenarios.run_bombs(server, tally, timeout=3, slack=8, parallel=4)
    assert_kept(tally)


def test_slow_clients(server: Server) -> None:
    tally = scenarios.Tally()
    with server:
        scenarios.run_slow_clients(server, tally, connections=120, seconds=8, every=1.0)
    assert_kept(tally)


def test_header_and_body_limits(server: Server) -> None:
    with server:
        big = call(server.url, "GET", "/health", headers={"X-Big": "x" * 70_000})
        assert big.status == 431
        body = call(
            server.url,
            "POST",
            "/sparql",
            body=b"x" * (11 * 1024 * 1024),
            headers={"Content-Type": "application/sparql-query"},
        )
        assert body.status in (0, 413)
        assert call(server.url, "GET", "/health").status == 200


def test_kills_during_updates(server: Server) -> None:
    tally = scenarios.Tally()
    scenarios.run_crashes(server, tally, kills=2, seconds=120)
    assert_kept(tally)
    assert tally.kills == 2 and tally.acknowledged > 0


def test_concurrent_writers_and_readers(server: Server) -> None:
    tally = scenarios.Tally()
    with server:
        scenarios.run_concurrent_writers(server, tally, writers=3, each=2, seconds=240)
    assert_kept(tally)
    assert tally.acknowledged == 6


def test_disk_faults(tmp_path: Path) -> None:
    tally = scenarios.Tally()
    scenarios.run_disk_faults(tmp_path, tally, backend=None)
    assert_kept(tally)


def test_uploads(server: Server, trap: ConnectionTrap) -> None:
    tally = scenarios.Tally()
    with server:
        scenarios.run_uploads(server, tally, trap, megabytes=2)
    assert_kept(tally)


def test_a_request_sent_too_slowly_is_cut_off(tmp_path: Path) -> None:
    """waitress keeps a connection that sends a byte now and then; ``request_timeout`` closes it."""
    import socket
    import time

    with Server(tmp_path, settings={"IPKG_REQUEST_TIMEOUT": "2"}) as live:
        sock = socket.create_connection(("127.0.0.1", live.port), timeout=30)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 20 and not closed:
            try:
                sock.sendall(b"X")
                sock.settimeout(1)
                closed = sock.recv(1) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
        sock.close()
        assert closed, "the slow connection was kept open"
        assert time.monotonic() - started < 2 + 3 * 2 + 2
        assert call(live.url, "GET", "/health").status == 200
