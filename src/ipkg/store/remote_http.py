"""HTTP for the remote store: one request at a time, a deadline for the whole exchange, Basic or Digest auth.

Only the standard library: ``http.client`` with a fresh connection per request
(so any thread may send), the socket timeout set again before every read so
that a server that trickles bytes is still stopped at the deadline, and the
credentials sent only after the server asked for them (``WWW-Authenticate``).
A Digest challenge (RFC 7616: MD5 or SHA-256, ``qop=auth``) is remembered and
answered up front on later requests with a growing nonce count, so a server
that accepts the nonce again costs one round trip per request, not two.
Credentials never appear in messages or logs.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import re
import threading
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')
_READ_SIZE = 64 * 1024


class HttpTimeout(Exception):
    """The deadline passed before the whole answer was read."""


class HttpFailure(Exception):
    """No answer: the connection was refused or broken, or the reply was not HTTP."""


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer."""

    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str:
        """A header's value, or the empty string."""
        return str(self.headers.get(name, ""))

    def text(self, limit: int = 500) -> str:
        """The start of the body as text, on one line (for error messages)."""
        text = self.body[: limit * 4].decode("utf-8", "replace")
        return " ".join(text.split())[:limit]


def redact(url: str) -> str:
    """``url`` without user information or query string, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


class HttpClient:
    """Sends requests with the given credentials (if any); thread-safe."""

    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self._user = user
        self._password = password or ""
        self._lock = threading.Lock()
        self._challenge: tuple[str, dict[str, str]] | None = None
        self._count = 0

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> Reply:
        """Send one request and read the whole answer by ``deadline`` (a ``time.monotonic()`` value).

        Raises:
            HttpTimeout: the deadline passed.
            HttpFailure: no HTTP answer.
        """
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply: Reply | None = None
        for _ in range(2):
            sent = dict(headers or {})
            authorization = self._authorization(method, target)
            if authorization is not None:
                sent["Authorization"] = authorization
            reply = self._once(parts.scheme, parts.hostname or "", parts.port, method, target, body, sent, deadline)
            if reply.status != 401 or self._user is None or not self._learn(reply):
                return reply
        assert reply is not None
        return reply

    # -- authentication ------------------------------------------------------

    def _learn(self, reply: Reply) -> bool:
        """Remember the server's challenge; whether a retry with credentials is worth it."""
        challenges = reply.headers.get_all("WWW-Authenticate") or []
        chosen: tuple[str, dict[str, str]] | None = None
        for challenge in challenges:
            scheme, _, rest = str(challenge).strip().partition(" ")
            params = {
                m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)
            }
            if scheme.lower() == "digest":
                chosen = ("digest", params)
                break
            if scheme.lower() == "basic" and chosen is None:
                chosen = ("basic", params)
        with self._lock:
            previous = self._challenge
            if chosen is None:
                return False
            stale = chosen[1].get("stale", "").lower() == "true"
            if previous == chosen and not stale:
                return False  # the same challenge again: the credentials are wrong
            self._challenge = chosen
            self._count = 0
        return True

    def _authorization(self, method: str, target: str) -> str | None:
        with self._lock:
            if self._challenge is None or self._user is None:
                return None
            scheme, params = self._challenge
            self._count += 1
            count = self._count
        if scheme == "basic":
            token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode("ascii")
            return f"Basic {token}"
        return self._digest(method, target, params, count)

    def _digest(self, method: str, target: str, params: dict[str, str], count: int) -> str:
        algorithm = params.get("algorithm", "MD5")
        digest = hashlib.sha256 if algorithm.upper().startswith("SHA-256") else hashlib.md5

        def h(text: str) -> str:
            return digest(text.encode("utf-8")).hexdigest()

        realm, nonce = params.get("realm", ""), params.get("nonce", "")
        ha1 = h(f"{self._user}:{realm}:{self._password}")
        ha2 = h(f"{method}:{target}")
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        fields = [
            f'username="{self._user}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{target}"',
            f"algorithm={algorithm}",
        ]
        if "auth" in qops:
            nc, cnonce = f"{count:08x}", os.urandom(8).hex()
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields.append(f'response="{response}"')
        if "opaque" in params:
            fields.append(f'opaque="{params["opaque"]}"')
        return "Digest " + ", ".join(fields)

    # -- one exchange --------------------------------------------------------

    @staticmethod
    def _once(
        scheme: str,
        host: str,
        port: int | None,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
        deadline: float | None,
    ) -> Reply:
        def left() -> float | None:
            if deadline is None:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HttpTimeout
            return remaining

        connection_type = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = connection_type(host, port, timeout=left())
        try:
            connection.connect()
            sock = connection.sock  # kept: the connection lets go of it when the answer says Connection: close
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            chunks = []
            while True:
                with contextlib.suppress(OSError):  # when the response closed the socket, its body is complete
                    sock.settimeout(left())
                chunk = response.read(_READ_SIZE)
                if not chunk:
                    break
                chunks.append(chunk)
            return Reply(response.status, response.headers, b"".join(chunks))
        except TimeoutError as exc:
            raise HttpTimeout from exc
        except (OSError, http.client.HTTPException) as exc:
            raise HttpFailure(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()


__all__ = ["HttpClient", "HttpFailure", "HttpTimeout", "Reply", "redact"]
