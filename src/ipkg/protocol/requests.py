"""SPARQL 1.1 Protocol (W3C REC 2013) request parsing, sans I/O: parameters in, a request or an error out.

§2.1 query operation: GET with ``query=``; POST urlencoded with ``query=``;
POST ``application/sparql-query`` with the query as body. §2.2 update
operation: POST urlencoded with ``update=``; POST ``application/sparql-update``.
``query`` or ``update`` given twice (or in both URL and body) is an error;
other repeated parameters are tolerated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from ipkg.errors import ProtocolError, QueryTooLarge, UnsupportedMediaType
from ipkg.protocol.dataset import DatasetSpec, graph_iris

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
FORMAT_PARAMETERS = ("format", "output", "results")
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class QueryRequest:
    """A query operation (§2.1)."""

    query: str
    dataset: DatasetSpec
    formats: tuple[str, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class UpdateRequest:
    """An update operation (§2.2), with the protocol's USING graphs."""

    update: str
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class NoOperation:
    """A GET without query: the caller answers with the service description or the UI."""

    formats: tuple[str, ...] = field(default_factory=tuple)


Params = Sequence[tuple[str, str]]


def parse_request(
    method: str,
    url_params: Params,
    content_type: str | None,
    body: bytes,
    *,
    max_timeout: float,
    max_query_bytes: int | None = None,
) -> QueryRequest | UpdateRequest | NoOperation:
    """Turn one HTTP request into a protocol operation.

    Raises:
        QueryTooLarge: the query text is longer than ``max_query_bytes``.
        ProtocolError: a missing, repeated or conflicting parameter; a bad value.
        UnsupportedMediaType: a body type or charset the operation does not take.
    """
    media, charset = _media_type(content_type)
    params = list(url_params)
    body_text: str | None = None
    if method == "POST":
        if media is None:
            raise UnsupportedMediaType(
                "POST needs a Content-Type: application/x-www-form-urlencoded, "
                "application/sparql-query or application/sparql-update"
            )
        if charset not in (None, "utf-8", "utf8", "us-ascii"):
            raise UnsupportedMediaType(f"charset {charset!r} is not supported; send UTF-8")
        text = _decode(body)
        if media == FORM:
            params += parse_qsl(text, keep_blank_values=True)
        elif media in (QUERY_BODY, UPDATE_BODY):
            body_text = text
        else:
            raise UnsupportedMediaType(
                f"Content-Type {media!r} is not accepted; use {FORM}, {QUERY_BODY} or {UPDATE_BODY}"
            )
    values = _group(params)
    queries = values.get("query", [])
    updates = values.get("update", [])
    if body_text is not None:
        (queries if media == QUERY_BODY else updates).append(body_text)
    if queries and updates:
        raise ProtocolError("a request carries either 'query' or 'update', not both")
    for name, given in (("query", queries), ("update", updates)):
        if len(given) > 1:
            where = "URL and body" if body_text is not None or method == "POST" else "URL"
            raise ProtocolError(f"parameter '{name}' given {len(given)} times ({where}); send it once")
    timeout = _timeout(values, max_timeout)
    formats = tuple(v for name in FORMAT_PARAMETERS for v in values.get(name, []) if v)
    if updates:
        if method != "POST":
            raise ProtocolError("an update must be sent with POST (SPARQL 1.1 Protocol §2.2)")
        _forbid(values, ("default-graph-uri", "named-graph-uri"), "update")
        return UpdateRequest(
            update=updates[0],
            using_graphs=graph_iris(values.get("using-graph-uri", [])),
            using_named_graphs=graph_iris(values.get("using-named-graph-uri", [])),
            timeout=timeout,
        )
    if not queries:
        if method == "POST":
            raise ProtocolError("missing parameter 'query' (or 'update')")
        return NoOperation(formats=formats)
    _forbid(values, ("using-graph-uri", "using-named-graph-uri"), "query")
    size = len(queries[0].encode("utf-8"))
    if max_query_bytes is not None and size > max_query_bytes:
        raise QueryTooLarge(size, max_query_bytes)
    return QueryRequest(
        query=queries[0],
        dataset=DatasetSpec(
            default_graphs=graph_iris(values.get("default-graph-uri", [])),
            named_graphs=graph_iris(values.get("named-graph-uri", [])),
            infer=_boolean(values, "infer", default=True),
        ),
        formats=formats,
        timeout=timeout,
    )


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type or not content_type.strip():
        return None, None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return parts[0].lower(), charset


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the body is not valid UTF-8 (byte {exc.start})") from exc


def _group(params: Params) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped


def _forbid(values: Mapping[str, list[str]], names: Sequence[str], operation: str) -> None:
    for name in names:
        if name in values:
            raise ProtocolError(f"parameter '{name}' does not apply to a {operation} operation")


def _timeout(values: Mapping[str, list[str]], max_timeout: float) -> float | None:
    given = values.get("timeout", [])
    if not given:
        return None
    try:
        seconds = float(given[-1])
    except ValueError:
        raise ProtocolError(f"parameter 'timeout': {given[-1]!r} is not a number of seconds") from None
    if not 0 < seconds <= max_timeout:
        raise ProtocolError(
            f"parameter 'timeout': must be > 0 and at most {max_timeout:g} seconds (the server's limit)"
        )
    return seconds


def _boolean(values: Mapping[str, list[str]], name: str, *, default: bool) -> bool:
    given = values.get(name, [])
    if not given:
        return default
    value = given[-1].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ProtocolError(f"parameter '{name}': {given[-1]!r} is not true or false")
