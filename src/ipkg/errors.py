"""The errors ipkg raises on purpose, each carrying what went wrong and where.

The CLI maps them to exit codes and the server to HTTP statuses, each in one
table (``cli.EXIT_CODES``, ``serve.errors``); anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ipkg.build.validate import Report


class IpkgError(Exception):
    """Base of every error ipkg raises deliberately."""

    hint: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\nhint: {self.hint}" if self.hint else text


class ConfigError(IpkgError):
    """A setting has a bad value; the message names the setting and what is allowed."""

    def __init__(self, setting: str, problem: str, *, hint: str = "") -> None:
        super().__init__(f"setting {setting!r}: {problem}")
        self.setting = setting
        self.hint = hint


class LoadError(IpkgError):
    """An RDF document cannot be parsed. Carries file, line and column (1-based)."""

    def __init__(
        self,
        source: str | Path,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = str(source)
        self.line = line
        self.column = column
        self.reason = message
        where = self.source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class ValidationFailed(IpkgError):
    """The data violates the SHACL shapes; ``report`` lists every violation."""

    hint = "fix the resources named above, then run 'ipkg validate' again"

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.text())


class InconsistentData(IpkgError):
    """OWL-RL found the data inconsistent with the ontology (e.g. a disjointness clash)."""

    hint = "a resource has types or values the ontology declares incompatible; correct the data"

    def __init__(self, messages: list[str]) -> None:
        self.messages = sorted(messages)
        lines = "\n".join(f"  - {m}" for m in self.messages)
        super().__init__(f"the data is inconsistent with the ontology (OWL 2 RL):\n{lines}")


class QuerySyntaxError(IpkgError):
    """A SPARQL query or update does not parse; carries line and column (1-based)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.reason = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"SPARQL syntax error: {where}{message}")


class QueryEvaluationError(IpkgError):
    """A well-formed query whose evaluation failed on the data (a type error, an impossible LIMIT …)."""

    hint = "check the functions and operators of the query against the types of the values they get"


class QueryTooLarge(IpkgError):
    """A query text longer than the configured maximum."""

    def __init__(self, size: int, limit: int) -> None:
        self.hint = "send a shorter query, or raise the max_query_bytes setting"
        super().__init__(f"the query is {size} bytes; at most {limit} are accepted (max_query_bytes)")


class QueryTimeout(IpkgError):
    """A query ran past its time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.hint = (
            "simplify the query, add a LIMIT, or raise the limit with the 'timeout' parameter "
            "(up to the server's query_timeout setting)"
        )
        super().__init__(f"query stopped after {seconds:g} s (time limit)")


class QueryResourceLimit(IpkgError):
    """A query was stopped because its worker ran out of its memory allowance (or died)."""

    def __init__(self, limit: int | None, *, busy: bool = False) -> None:
        self.limit = limit
        if busy:
            self.hint = "retry in a moment; the number of query workers is the query_workers setting"
            super().__init__("no query worker became free in time: the server is busy")
            return
        self.hint = "simplify the query or add a LIMIT; the allowance is the worker_memory_limit setting"
        shown = f" ({limit // (1024 * 1024)} MiB)" if limit else ""
        super().__init__(f"query stopped: it needed more memory than a query may use{shown}")


class QueryMemoryExceeded(IpkgError):
    """A query kept more solutions in memory (ORDER BY, DISTINCT, GROUP BY, joins) than its budget allows."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.hint = "add a LIMIT, or narrow the patterns that are sorted, grouped or joined"
        super().__init__(
            f"query stopped: it kept more than {limit // (1024 * 1024)} MiB of solutions in memory (max_query_memory)"
        )


class Busy(IpkgError):
    """The server cannot take the request now; the client may retry after ``retry_after`` seconds (HTTP 503)."""

    def __init__(self, message: str, *, retry_after: int = 1, setting: str = "") -> None:
        self.retry_after = retry_after
        self.hint = f"retry after {retry_after} s" + (f"; the limit is the {setting} setting" if setting else "")
        super().__init__(message)


class TooManyRequests(Busy):
    """One client has too many requests running, or sent too many too fast (HTTP 429)."""


class ResponseTooLarge(IpkgError):
    """An answer would be larger than the configured maximum (HTTP 413: ask for less)."""


class StorageError(IpkgError):
    """The state directory cannot be read or written (a read-only or full disk); nothing was changed."""


class ResultTooLarge(IpkgError):
    """A query produced more rows than the configured maximum."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.hint = "add a LIMIT (or paginate with LIMIT/OFFSET)"
        super().__init__(f"the result has more than {limit} rows (max_result_rows)")


class Forbidden(IpkgError):
    """The operation is refused by configuration (update disabled, SERVICE not allowed …)."""


class Unauthorized(IpkgError):
    """Credentials are required (HTTP 401 with ``WWW-Authenticate: Bearer``)."""


class ProtocolError(IpkgError):
    """The request breaks the SPARQL Protocol (HTTP 400)."""


class ProtocolConflict(IpkgError):
    """using-graph-uri / using-named-graph-uri together with USING or WITH (Protocol §2.2.3)."""


class UnsupportedMediaType(IpkgError):
    """The request body has a media type (or charset) the operation does not take (HTTP 415)."""


class NotAcceptable(IpkgError):
    """No offered representation matches the request; lists what is offered."""

    def __init__(self, asked: str, offered: tuple[str, ...], *, hint: str = "") -> None:
        self.offered = offered
        self.hint = hint
        super().__init__(f"cannot produce {asked!r}; available: {', '.join(offered)}")


class BadFormatParameter(IpkgError):
    """A ``format=`` value names no known format."""


class RemoteContextRefused(IpkgError):
    """A JSON-LD document names a context ipkg will not fetch."""


class NotFound(IpkgError):
    """The named resource or graph does not exist."""


class RemoteServiceError(IpkgError):
    """A SERVICE endpoint failed: an HTTP error, a timeout, a refused connection, an answer that is not results."""

    hint = "check that the endpoint is up, or write SERVICE SILENT to go on without its solutions"

    def __init__(self, service: str, problem: str) -> None:
        self.service = service
        self.problem = problem
        super().__init__(f"SERVICE <{service}> {problem}")


class RemoteRejected(IpkgError):
    """A running ipkg server refused data the command sent it (SHACL violation, inconsistency: HTTP 422)."""

    hint = "fix the data named above; the server's dataset has not changed"
