"""Per-client limits, the write queue and forwarded headers, without a server."""

from __future__ import annotations

import pytest

from ipkg.errors import Busy, ConfigError, TooManyRequests
from ipkg.serve.admission import ClientLimiter, WriteGate
from ipkg.serve.proxy import forwarded, is_trusted, networks, own_authorities


def test_concurrency_is_counted_per_client() -> None:
    limiter = ClientLimiter(concurrency=2, rate=0)
    limiter.enter("a")
    limiter.enter("a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.enter("a")
    assert refused.value.retry_after == 1 and "client_concurrency" in str(refused.value)
    limiter.enter("b")
    limiter.leave("a")
    limiter.enter("a")
    for client in ("a", "a", "b"):
        limiter.leave(client)
    assert limiter.active("a") == limiter.active("b") == 0


def test_the_rate_allows_a_burst_of_twice_the_rate() -> None:
    limiter = ClientLimiter(concurrency=100, rate=3)
    for _ in range(6):
        limiter.enter("a")
        limiter.leave("a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.enter("a")
    assert refused.value.retry_after >= 1 and "client_rate" in str(refused.value)


def test_writes_beyond_the_queue_are_turned_away() -> None:
    gate = WriteGate(pending=1)
    with gate.admit(), gate.admit():
        with pytest.raises(Busy) as refused, gate.admit():
            pass
        assert "max_pending_writes" in str(refused.value)
    with gate.admit():
        pass


def test_forwarded_headers_are_checked() -> None:
    base = {"wsgi.url_scheme": "http", "SERVER_NAME": "localhost", "SERVER_PORT": "8000"}
    root, client = forwarded(
        {
            **base,
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "kg.example.org",
            "HTTP_X_FORWARDED_PREFIX": "/kg/",
            "HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.1",
        }
    )
    assert (root, client) == ("https://kg.example.org/kg/", "10.0.0.1")
    root, client = forwarded({**base, "HTTP_FORWARDED": 'for="[2001:db8::1]";proto=https;host=kg.example.org'})
    assert (root, client) == ("https://kg.example.org/", "2001:db8::1")
    assert forwarded({**base, "HTTP_X_FORWARDED_HOST": "evil.example/x", "HTTP_X_FORWARDED_PROTO": "gopher"}) == (
        None,
        None,
    )


def test_trusted_proxies_are_addresses_or_networks() -> None:
    trusted = networks(["127.0.0.1", "10.0.0.0/8"])
    assert is_trusted("10.1.2.3", trusted) and is_trusted("127.0.0.1", trusted)
    assert not is_trusted("192.0.2.1", trusted) and not is_trusted("not an address", trusted)
    with pytest.raises(ConfigError, match="trusted_proxies"):
        networks(["proxy.example"])


def test_the_server_names_itself_from_its_socket_and_settings() -> None:
    environ = {"SERVER_NAME": "localhost", "SERVER_PORT": "8000"}
    assert own_authorities(environ, "127.0.0.1", "http") == ["127.0.0.1:8000", "localhost:8000"]
    assert own_authorities({"SERVER_NAME": "box", "SERVER_PORT": "80"}, "0.0.0.0", "http") == ["box", "box:80"]
