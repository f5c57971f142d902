"""The one table from error kind to HTTP status, and the handlers that use it.

Bodies are plain text, or JSON when the client prefers it; a SHACL rejection
carries the validation report (Turtle, JSON or text by negotiation). Statuses
and headers werkzeug chose (``Allow`` on 405 …) are kept; only the body is
replaced. Anything not in the table is a bug: logged with a request id, 500.
"""

from __future__ import annotations

import json
import logging
import uuid

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ipkg.errors import (
    BadFormatParameter,
    Busy,
    ConfigError,
    Forbidden,
    InconsistentData,
    IpkgError,
    LoadError,
    NotAcceptable,
    NotFound,
    ProtocolError,
    QueryEvaluationError,
    QueryMemoryExceeded,
    QueryResourceLimit,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    RemoteServiceError,
    ResponseTooLarge,
    ResultTooLarge,
    StorageError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from ipkg.protocol.negotiation import negotiate, prefers_json

log = logging.getLogger("ipkg.serve")


STATUS: tuple[tuple[type[IpkgError], int, str], ...] = (
    (QuerySyntaxError, 400, "syntax-error"),
    (QueryEvaluationError, 400, "evaluation-error"),
    (QueryTooLarge, 413, "query-too-large"),
    (LoadError, 400, "bad-rdf"),
    (ProtocolError, 400, "bad-request"),
    (BadFormatParameter, 400, "bad-request"),
    (ConfigError, 400, "bad-request"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not-found"),
    (NotAcceptable, 406, "not-acceptable"),
    (UnsupportedMediaType, 415, "unsupported-media-type"),
    (ValidationFailed, 422, "shacl-violation"),
    (InconsistentData, 422, "inconsistent"),
    (ResultTooLarge, 422, "result-too-large"),
    (QueryTimeout, 503, "timeout"),
    (QueryResourceLimit, 503, "resource-limit"),
    (QueryMemoryExceeded, 503, "resource-limit"),
    (TooManyRequests, 429, "too-many-requests"),
    (Busy, 503, "busy"),
    (StorageError, 503, "storage-error"),
    (ResponseTooLarge, 413, "response-too-large"),
    (RemoteServiceError, 502, "bad-gateway"),
    (IpkgError, 400, "bad-request"),
)
"""Error kind → (status, short name). First match wins, so subclasses come first."""

REPORT_TYPES = {
    "text/plain": "text",
    "text/turtle": "turtle",
    "application/json": "json",
    "application/ld+json": "jsonld",
}


def classify(error: IpkgError) -> tuple[int, str]:
    """Status and short name of an ipkg error."""
    for kind, status, name in STATUS:
        if isinstance(error, kind):
            return status, name
    return 400, "bad-request"  # pragma: no cover - IpkgError is in the table


def request_id() -> str:
    """The id of the current request (also sent as ``X-Request-Id``)."""
    if "request_id" not in g:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]
    return str(g.request_id)


def error_response(status: int, name: str, message: str, **extra: object) -> Response:
    """A plain-text or JSON error body, by the client's preference."""
    if prefers_json(request.headers.get("Accept")):
        payload = {"status": status, "error": name, "message": message, "requestId": request_id(), **extra}
        body = json.dumps({k: v for k, v in payload.items() if v is not None}, ensure_ascii=False, indent=2)
        return Response(body + "\n", status=status, content_type="application/json; charset=utf-8")
    return Response(message.rstrip() + "\n", status=status, content_type="text/plain; charset=utf-8")


def _validation_response(error: ValidationFailed, status: int) -> Response:
    try:
        choice = negotiate(REPORT_TYPES, request.headers.get("Accept"))
    except NotAcceptable:
        choice = negotiate(REPORT_TYPES, None)
    report = error.report
    if choice.serializer in ("turtle", "jsonld"):
        fmt = "turtle" if choice.serializer == "turtle" else "json-ld"
        return Response(report.graph.serialize(format=fmt), status=status, content_type=choice.content_type)
    if choice.serializer == "json":
        payload = {
            "status": status,
            "error": "shacl-violation",
            **report.to_json(),
            "requestId": request_id(),
            "message": "the change violates the shapes and was not applied",
        }
        return Response(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n",
            status=status,
            content_type="application/json; charset=utf-8",
        )
    text = "the change violates the shapes and was not applied; nothing changed.\n" + report.text()
    return Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(IpkgError)
    def handle_ipkg_error(error: IpkgError) -> Response:
        status, name = classify(error)
        if isinstance(error, ValidationFailed):
            response = _validation_response(error, status)
        else:
            extra: dict[str, object] = {}
            if isinstance(error, QuerySyntaxError | LoadError):
                extra = {"line": error.line, "column": error.column}
            if isinstance(error, NotAcceptable):
                extra = {"offered": list(error.offered)}
            response = error_response(status, name, str(error), **extra)
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="ipkg"'
        if isinstance(error, Busy):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        response = error.get_response()
        status = error.code or 500
        message = error.description or error.name
        if status == 405:
            allowed = response.headers.get("Allow", "")
            message = f"method {request.method} is not allowed on {request.path}; allowed: {allowed}"
        if status == 413:
            message = f"request body too large (max_body_bytes is {request.max_content_length} bytes)"
        body = error_response(status, error.name.lower().replace(" ", "-"), message)
        for header, value in response.headers.items():
            if header.lower() not in ("content-type", "content-length"):
                body.headers[header] = value
        return body

    @app.errorhandler(Exception)
    def handle_bug(error: Exception) -> Response:
        rid = request_id()
        log.exception("internal error in request %s %s %s", rid, request.method, request.path)
        return error_response(500, "internal-error", f"internal error; it has been logged as request {rid}")
