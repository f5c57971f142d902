"""Malformed reconciliation requests found by review: a 400 that says what is wrong, never a 500."""

from __future__ import annotations

import json


def test_jsonp_callback_with_a_trailing_newline_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/reconcile", query_string={"callback": "handle\n"}).status_code == 400


def test_deeply_nested_queries_are_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/reconcile", data={"queries": "[" * 100_000})
    assert response.status_code == 400
    assert "queries" in response.get_data(as_text=True)


def test_extend_settings_must_be_an_object(client) -> None:  # type: ignore[no-untyped-def]
    for settings in ("x", [1], {"limit": 1e999}):
        extend = {"ids": ["belarus"], "properties": [{"id": "country", "settings": settings}]}
        response = client.get("/reconcile", query_string={"extend": json.dumps(extend)})
        assert response.status_code == 400, (settings, response.data)
        assert "limit" in response.get_data(as_text=True)


def test_non_utf8_json_body_is_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/reconcile/match", data=b'{"queries": "\xff"}', content_type="application/json")
    assert response.status_code == 400
