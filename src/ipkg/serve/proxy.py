"""Forwarded headers, honoured only from the reverse proxies named in ``trusted_proxies``.

Behind a proxy the server cannot see the scheme, host and path prefix clients
used, nor their addresses. ``ForwardedHeaders`` (WSGI middleware) reads them
from RFC 7239 ``Forwarded`` or ``X-Forwarded-Proto`` / ``-Host`` / ``-Port`` /
``-Prefix`` / ``-For`` (the value the nearest proxy added: the last one), but
only when the request comes from a trusted proxy address; from anyone else the
headers are ignored, so a client cannot choose the links the server writes or
the address its limits count it under. The values are checked (a scheme of
http or https, a host name or address with an optional port, a path prefix)
and a malformed one is ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

from ipkg.errors import ConfigError

FORWARDED_ROOT = "ipkg.forwarded_root"
"""WSGI environ key: the public root a trusted proxy named (``https://host/prefix/``)."""
CLIENT_ADDRESS = "ipkg.client"
"""WSGI environ key: the client's address as a trusted proxy named it."""

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%\-]+)*/?")
_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(trusted: Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies as networks (an address is a network of one).

    Raises:
        ConfigError: an entry is not an IP address or network.
    """
    found = []
    for entry in trusted:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ConfigError("trusted_proxies", f"{entry!r} is not an IP address or network (CIDR)") from None
    return tuple(found)


def is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    """Whether ``address`` (a REMOTE_ADDR) is one of the trusted proxies."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def forwarded(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(public root, client address) from the request's forwarded headers; None where not given or malformed."""
    proto = host = prefix = client = None
    header = environ.get("HTTP_FORWARDED")
    if header:
        last = header.split(",")[-1]
        pairs = {k.lower(): v.strip('"') for k, v in _PAIR.findall(last)}
        proto, host, client = pairs.get("proto"), pairs.get("host"), pairs.get("for")
    else:
        proto = _last(environ.get("HTTP_X_FORWARDED_PROTO"))
        host = _last(environ.get("HTTP_X_FORWARDED_HOST"))
        port = _last(environ.get("HTTP_X_FORWARDED_PORT"))
        prefix = _last(environ.get("HTTP_X_FORWARDED_PREFIX"))
        client = _last(environ.get("HTTP_X_FORWARDED_FOR"))
        if host and port and port.isdigit() and ":" not in host.rsplit("]", 1)[-1]:
            host = f"{host}:{port}"
    if proto is not None and proto.lower() not in ("http", "https"):
        proto = None
    if host is not None and not _HOST.fullmatch(host):
        host = None
    if prefix is not None and not _PREFIX.fullmatch(prefix):
        prefix = None
    if client is not None:
        client = client.strip("[]").split("]:")[0]
        if not _is_address(client):
            client = None
    if proto is None and host is None and prefix is None:
        return None, client
    scheme = (proto or environ.get("wsgi.url_scheme", "http")).lower()
    authority = host or own_authorities(environ, "", scheme)[0]
    return f"{scheme}://{authority}{(prefix or '').rstrip('/')}/", client


def own_authorities(environ: dict[str, Any], configured_host: str, scheme: str) -> list[str]:
    """The names this server answers to, with its port: the configured host, then the name the WSGI
    server gave its socket (never a request header). The first is the one links fall back to."""
    port = str(environ.get("SERVER_PORT", ""))
    default = {"http": "80", "https": "443"}.get(scheme)
    names = []
    for name in (configured_host, str(environ.get("SERVER_NAME", ""))):
        if not name or name in WILDCARDS:
            continue
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        names.append(name.lower())
    found: list[str] = []
    for name in names or ["localhost"]:
        for authority in ((name,) if port == default else ()) + ((f"{name}:{port}",) if port else (name,)):
            if authority not in found:
                found.append(authority)
    return found


WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", "*"})  # noqa: S104 - names to recognise, not to bind
"""Listening addresses that name no host a client could use in a link."""


def _last(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(",")[-1].strip() or None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class ForwardedHeaders:
    """WSGI middleware: from a trusted proxy, put its forwarded root and client address into the environ."""

    def __init__(self, app: Callable[..., Any], trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if is_trusted(str(environ.get("REMOTE_ADDR", "")), self.trusted):
            root, client = forwarded(environ)
            if root is not None:
                environ[FORWARDED_ROOT] = root
            if client is not None:
                environ[CLIENT_ADDRESS] = client
        return self.app(environ, start_response)


__all__ = ["CLIENT_ADDRESS", "FORWARDED_ROOT", "ForwardedHeaders", "forwarded", "networks", "own_authorities"]
