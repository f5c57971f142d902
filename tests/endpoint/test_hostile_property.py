"""Property-based hostile requests (Hypothesis) through Flask's test client, on every store backend.

The requests come from ``tests.reliability.hostile``: every route and parameter,
random and mutated SPARQL, odd headers, forms, graph IRIs, reconciliation JSON,
entity slugs and dump names. No answer may be a 5xx (503 is a refusal, not a
failure), nothing may be fetched, and nothing but the scratch graph may change.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.reliability.hostile import FUZZ_GRAPH, Probe, requests, send_in_process
from tests.support import AppFactory, ConnectionTrap


def test_hostile_requests_answer_no_5xx_and_change_nothing(make_app: AppFactory, trap: ConnectionTrap) -> None:
    app = make_app(client_concurrency=64)
    client = app.test_client()
    before = {k: v for k, v in client.get("/health").get_json()["graphs"].items() if k != FUZZ_GRAPH}
    seen: list[str] = []

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(requests())
    def probe(request: Probe) -> None:
        status = send_in_process(client, request)
        if status >= 500 and status != 503:
            seen.append(f"{status}: {request.describe()}")

    probe()
    assert seen == []
    after = {k: v for k, v in client.get("/health").get_json()["graphs"].items() if k != FUZZ_GRAPH}
    assert after == before
    assert trap.count() == 0
