"""The ``ipkg`` command line: validate, build, query, export, stats, fmt, serve, import, link.

Results go to stdout, progress and errors to stderr. Exit codes (documented in
the README): 0 ok, 1 data rejected (SHACL violation or OWL inconsistency),
2 bad input or configuration, 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from ipkg import __version__, generate, jsonld
from ipkg.build import load_and_validate
from ipkg.build.load import parse_text
from ipkg.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, open_built_store
from ipkg.cli.wikidata import add_export_quickstatements, add_import_commands, add_link_commands
from ipkg.config import Settings, load_settings
from ipkg.errors import ConfigError, InconsistentData, IpkgError, RemoteRejected, ValidationFailed
from ipkg.export import (
    CONTEXT_FORMS,
    FORMATS,
    GRAPH_SELECTIONS,
    format_turtle,
    select_graphs,
    serialize,
    serialize_graph,
)
from ipkg.hints import Vocabulary, query_warnings
from ipkg.protocol.dataset import DatasetSpec
from ipkg.sparql.prepare import prepare_query
from ipkg.sparql.results import RESULT_FORMATS, format_result

EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ValidationFailed, EXIT_REJECTED),
    (InconsistentData, EXIT_REJECTED),
    (RemoteRejected, EXIT_REJECTED),
    (IpkgError, EXIT_BAD_INPUT),
)
"""The one table from error kind to exit code; anything else is an internal error (3)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        settings = load_settings(args.config, overrides=_overrides(args))
        command: Callable[[argparse.Namespace, Settings], int] = args.run
        return command(args, settings)
    except BrokenPipeError:  # the reader went away (`ipkg export | head`): stop quietly, as Unix tools do
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python from failing on the final flush
        return EXIT_OK
    except BaseException as exc:  # noqa: BLE001 - mapped to an exit code below
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        for kind, code in EXIT_CODES:
            if isinstance(exc, kind):
                print(f"ipkg: error: {exc}", file=sys.stderr)
                return code
        traceback.print_exc()
        print(f"ipkg: internal error: {exc!r} (please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    names = ("root", "host", "port", "query_timeout", "update_token")
    return {name: getattr(args, name, None) for name in names}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipkg",
        description="A knowledge graph of international IP cooperation: validate, build, query, export, serve.",
        epilog="exit codes: 0 ok, 1 data rejected (SHACL or OWL inconsistency), 2 bad input or configuration, "
        "3 internal error",
    )
    parser.add_argument("--version", action="version", version=f"ipkg {__version__}")
    parser.add_argument("--root", type=Path, help="project folder with ontology/, data/, shapes/ (default: .)")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: $IPKG_CONFIG)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("validate", help="check the data against the SHACL shapes (exit 1 on violations)")
    p.add_argument("--format", choices=("text", "turtle", "json"), default="text", help="report format")
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("build", help="load, validate and reason; print a summary")
    p.add_argument("--output", type=Path, help="also write the built dataset (format from the suffix)")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("query", help="run a SPARQL query over the built dataset")
    p.add_argument("query", nargs="?", help="the query text (or use --file, or '-' for stdin)")
    p.add_argument("--file", type=Path, help="read the query from this file")
    p.add_argument(
        "--format",
        choices=(*RESULT_FORMATS, *sorted(FORMATS)),
        help="SELECT/ASK: table (default), json, xml, csv, tsv; CONSTRUCT/DESCRIBE: turtle (default) or another "
        "RDF format",
    )
    p.add_argument("--no-infer", dest="infer", action="store_false", help="leave the inferred graph out")
    p.set_defaults(run=cmd_query)

    p = commands.add_parser("export", help="serialise the dataset in an RDF format")
    p.add_argument("--format", choices=sorted(FORMATS), default="turtle")
    p.add_argument(
        "--graph",
        default="all",
        metavar="GRAPH",
        help=f"which named graphs: {', '.join(GRAPH_SELECTIONS)}, or a graph IRI (default: all)",
    )
    p.add_argument(
        "--context",
        choices=CONTEXT_FORMS,
        default="embed",
        help="JSON-LD: write ipkg's context into the file (embed, default: it expands offline) or refer to "
        f"{jsonld.CONTEXT_URL} (remote)",
    )
    p.add_argument("--frame", metavar="IRI", help="JSON-LD framed on one resource (e.g. ipkg:belarus)")
    p.add_argument("--output", type=Path, help="file to write (default: stdout)")
    p.set_defaults(run=cmd_export)
    add_export_quickstatements(p)

    p = commands.add_parser("stats", help="triples per graph and instances per class")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=cmd_stats)

    p = commands.add_parser(
        "fmt", help="rewrite Turtle files and the JSON-LD context in canonical form (--check: only report)"
    )
    p.add_argument("files", nargs="*", type=Path, help="files (default: every .ttl of the project)")
    p.add_argument("--check", action="store_true", help="exit 1 if a file is not in canonical form")
    p.set_defaults(run=cmd_fmt)

    p = commands.add_parser("serve", help="run the SPARQL endpoint")
    p.add_argument("--host", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--query-timeout", dest="query_timeout", type=float, help="seconds (default 30)")
    p.add_argument("--update-token", dest="update_token", help="enable SPARQL Update with this bearer token")
    p.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="TOML settings file (same as the global --config)"
    )
    p.set_defaults(run=cmd_serve)
    add_import_commands(commands)
    add_link_commands(commands)
    generate.add_command(commands)
    return parser


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the asserted data; the report goes to stdout."""
    _, report = load_and_validate(settings)
    if args.format == "turtle":
        sys.stdout.write(report.graph.serialize(format="turtle"))
    elif args.format == "json":
        payload = report.to_json()
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(report.text())
    return EXIT_OK if report.conforms else EXIT_REJECTED


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    """Run the whole pipeline; print triples per graph."""
    store = open_built_store(settings, args)
    if args.output:
        suffix_formats = {f.suffix: name for name, f in FORMATS.items()}
        fmt = suffix_formats.get(args.output.suffix)
        if fmt is None:
            raise ConfigError("--output", f"unknown suffix {args.output.suffix!r}; use {', '.join(suffix_formats)}")
        args.output.write_bytes(serialize(select_graphs(store.snapshot(), "all"), fmt))
    for graph, count in store.graph_sizes().items():
        print(f"{count:>8}  {graph}")
    return EXIT_OK


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    """Run one query; SELECT/ASK as a table (or ``--format``), CONSTRUCT/DESCRIBE as Turtle (or ``--format``).

    A format that does not fit the query form is an error (exit 2), never silently ignored.
    Warnings about the query (an ipkg IRI unknown to the data, an inferred-only term with
    ``--no-infer``) go to stderr.
    """
    if args.file:
        text = args.file.read_text(encoding="utf-8")
    elif args.query in (None, "-"):
        text = sys.stdin.read()
    else:
        text = args.query
    prepared = prepare_query(text)
    prepared.query  # noqa: B018 - translated now: a syntax error is reported before the (slower) build
    fmt = args.format or ("turtle" if prepared.returns_graph else "table")
    if prepared.returns_graph and fmt not in FORMATS:
        raise ConfigError(
            "--format",
            f"{fmt!r} is a result format of SELECT and ASK; a {prepared.form} query returns a graph: "
            f"use one of {', '.join(sorted(FORMATS))}",
        )
    if not prepared.returns_graph and fmt not in RESULT_FORMATS:
        raise ConfigError(
            "--format",
            f"{fmt!r} is an RDF format; a {prepared.form} query returns results: "
            f"use one of {', '.join(RESULT_FORMATS)}",
        )
    # Through the store, like the server: the SERVICE/LOAD allow-list, the time limit, federation.
    store = open_built_store(settings, args)
    for warning in query_warnings(prepared, Vocabulary.of(store.snapshot()), infer=args.infer):
        print(f"ipkg: warning: {warning}", file=sys.stderr)
    result = store.query(prepared, dataset=DatasetSpec(infer=args.infer), timeout=settings.query_timeout)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        sys.stdout.buffer.write(serialize_graph(result.graph, fmt, context="embed"))
    else:
        sys.stdout.buffer.write(format_result(result, fmt))
    sys.stdout.flush()
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Serialise the chosen graphs to stdout or ``--output``."""
    graphs = select_graphs(open_built_store(settings, args).snapshot(), args.graph)
    if args.frame:
        if args.format != "jsonld":
            raise ConfigError("--frame", "framing applies to --format jsonld only")
        merged = serialize(graphs, "ntriples").decode("utf-8")
        data = jsonld.dumps(jsonld.compact(parse_text(merged, "nt"), frame_id=_expand_iri(args.frame)))
    else:
        data = serialize(graphs, args.format, context=args.context)
    if args.output:
        args.output.write_bytes(data)
        logging.getLogger("ipkg").info("wrote %s (%d bytes)", args.output, len(data))
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def _expand_iri(text: str) -> str:
    """A full IRI from ``<iri>``, a full IRI, or a prefixed name with one of ipkg's prefixes."""
    from ipkg.namespaces import PREFIXES

    text = text.strip().strip("<>")
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return str(PREFIXES[prefix]) + local
    return text


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Triples per graph and instances per ipkg class (with inference)."""
    store = open_built_store(settings, args)
    classes = store.query(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class "
        "FILTER(STRSTARTS(STR(?class), STR(ipkgo:))) } GROUP BY ?class ORDER BY DESC(?n) ?class",
        timeout=settings.query_timeout,
    )
    per_class = {str(row[0]): int(str(row[1])) for row in classes}  # type: ignore[index]
    sizes = {str(iri): count for iri, count in store.graph_sizes().items()}
    if args.format == "json":
        print(json.dumps({"graphs": sizes, "classes": per_class}, indent=2))
        return EXIT_OK
    print("triples per graph:")
    for graph, count in sizes.items():
        print(f"{count:>8}  {graph}")
    print("instances per class (with inference):")
    for cls, count in per_class.items():
        print(f"{count:>8}  {cls}")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace, settings: Settings) -> int:
    """Rewrite (or with --check, list) Turtle files not in canonical form."""
    files = args.files or sorted(
        p for folder in ("ontology", "data", "shapes") for p in (settings.root / folder).rglob("*.ttl")
    )
    changed = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        formatted = format_turtle(text, source=path)
        if formatted != text:
            changed.append(path)
            if not args.check:
                path.write_text(formatted, encoding="utf-8")
    if not args.files:
        from ipkg.build.load import parse_files, rdf_files
        from ipkg.jsonld import CONTEXT_FILE, context_text

        files = [*files, CONTEXT_FILE]
        context = context_text(parse_files(rdf_files(settings.ontology_dir)))
        if not CONTEXT_FILE.exists() or CONTEXT_FILE.read_text(encoding="utf-8") != context:
            changed.append(CONTEXT_FILE)
            if not args.check:
                CONTEXT_FILE.write_text(context, encoding="utf-8")
    verb = "would reformat" if args.check else "reformatted"
    for path in changed:
        print(f"{verb} {path}")
    print(f"{len(files) - len(changed)} file(s) already canonical, {len(changed)} {verb}", file=sys.stderr)
    return EXIT_REJECTED if args.check and changed else EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Build the dataset and serve it until interrupted."""
    from ipkg.serve.server import run

    run(settings)
    return EXIT_OK


# --- Wikidata: import, link, export quickstatements -------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
