"""The Wikidata-facing commands of ``ipkg``: import, link suggest / conflicts, export quickstatements.

Registered on the parser by ``ipkg.cli``; each command follows the same rules
(results to stdout, progress and errors to stderr, the exit-code table).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ipkg.cli.common import EXIT_OK, open_built_store
from ipkg.config import Settings
from ipkg.errors import ConfigError
from ipkg.link import FORMATS as LINK_FORMATS


def add_import_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("import", help="import external data into a named graph (Wikidata-style RDF)")
    sub = p.add_subparsers(dest="import_command", required=True, metavar="SOURCE")
    q = sub.add_parser(
        "wikidata",
        help="map a Wikidata-style RDF file (.ttl, .nt) into the graph external/NAME; written only if the "
        "project still validates and reasons",
    )
    q.add_argument("file", type=Path, help="the Wikidata-style file (Turtle or N-Triples, by suffix)")
    q.add_argument("--name", help="name of the imported graph, kebab-case (default: the file stem)")
    add_server_options(q)
    q.set_defaults(run=cmd_import_wikidata)
    q = sub.add_parser("list", help="list the imported graphs")
    q.set_defaults(run=cmd_import_list)
    q = sub.add_parser("remove", help="remove an imported graph")
    q.add_argument("name", help="the name of the imported graph")
    add_server_options(q)
    q.set_defaults(run=cmd_import_remove)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--server URL --token TOKEN``: write through a running server instead of into the project's files."""
    parser.add_argument(
        "--server",
        metavar="URL",
        help="write through this running ipkg server's Graph Store endpoint (validated there, served at once) "
        "instead of into local files, e.g. http://127.0.0.1:8000",
    )
    parser.add_argument(
        "--token", help="the server's update token (default: the update_token setting, IPKG_UPDATE_TOKEN)"
    )


def add_link_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("link", help="owl:sameAs links to Wikidata: suggest candidates, report conflicts")
    sub = p.add_subparsers(dest="link_command", required=True, metavar="ACTION")
    q = sub.add_parser(
        "suggest",
        help="propose Wikidata items from a Wikidata-style file for unlinked local resources "
        "(writes data/links/suggested.ttl only with --accept or --accept-above)",
    )
    q.add_argument("file", type=Path, help="the Wikidata-style file (Turtle or N-Triples)")
    q.add_argument("--format", choices=LINK_FORMATS, default="table")
    q.add_argument("--accept", action="append", default=[], metavar="LOCAL=QID", help="accept this link (repeatable)")
    q.add_argument(
        "--accept-above",
        dest="accept_above",
        type=float,
        metavar="SCORE",
        help="accept each local resource's best candidate scoring at least SCORE (0-1), unless tied",
    )
    add_server_options(q)
    q.set_defaults(run=cmd_link_suggest)
    q = sub.add_parser(
        "conflicts", help="list values that local facts and imported graphs give differently (after reasoning)"
    )
    q.add_argument("--format", choices=LINK_FORMATS, default="table")
    q.add_argument("--all", action="store_true", help="also list the values that agree")
    q.set_defaults(run=cmd_link_conflicts)


def add_export_quickstatements(export: argparse.ArgumentParser) -> None:
    sub = export.add_subparsers(dest="export_command", required=False, metavar="[quickstatements]")
    q = sub.add_parser(
        "quickstatements",
        help="local facts about linked entities as QuickStatements V1 commands (skipped facts counted on stderr)",
    )
    q.add_argument("--output", type=Path, help="file to write (default: stdout)")
    q.set_defaults(run=cmd_export_quickstatements)


def cmd_import_wikidata(args: argparse.Namespace, settings: Settings) -> int:
    """Map a Wikidata-style file into an external graph; print what was imported."""
    from ipkg.wikidata import import_wikidata

    if args.server:
        return _import_through_server(args, settings)
    report = import_wikidata(settings, args.file, args.name, progress=None if not args.quiet else lambda _: None)
    print("\n".join(report.lines()))
    return EXIT_OK


def _import_through_server(args: argparse.Namespace, settings: Settings) -> int:
    """Map the file against the local project, then PUT the graph to the server (which validates it)."""
    from ipkg.build.load import load_sources
    from ipkg.cli.remote import send_graph
    from ipkg.export import serialize_graph
    from ipkg.namespaces import external_graph
    from ipkg.wikidata import check_name, default_name, map_file

    name = check_name(args.name) if args.name else default_name(args.file)
    graph, report = map_file(args.file, load_sources(settings), name=name)
    done = send_graph(
        args.server, args.token or settings.update_token, external_graph(name), serialize_graph(graph, "ntriples")
    )
    print("\n".join(report.lines()))
    print(f"  {done}")
    return EXIT_OK


def cmd_import_list(args: argparse.Namespace, settings: Settings) -> int:
    """List the imported graphs with their sizes."""
    from ipkg.namespaces import external_graph
    from ipkg.wikidata import list_imports

    found = list_imports(settings)
    for name, _, triples in found:
        print(f"{triples:>8}  {name}  {external_graph(name)}")
    if not found:
        print("no imported graphs", file=sys.stderr)
    return EXIT_OK


def cmd_import_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete an imported graph, if the project still validates without it."""
    from ipkg.wikidata import remove_import

    if args.server:
        from ipkg.cli.remote import send_graph
        from ipkg.namespaces import external_graph
        from ipkg.wikidata import check_name

        graph = external_graph(check_name(args.name))
        print(send_graph(args.server, args.token or settings.update_token, graph, None))
        return EXIT_OK
    removed = remove_import(settings, args.name)
    print(f"removed {args.name} ({removed.name})")
    return EXIT_OK


def cmd_link_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """Print candidate links; with --accept/--accept-above, append them to data/links/suggested.ttl
    (or with --server, add them to the running server's links graph)."""
    from ipkg.link import accept, choose, format_suggestions, suggest

    rows = suggest(settings, args.file)
    sys.stdout.write(format_suggestions(rows, args.format))
    if not args.accept and args.accept_above is None:
        return EXIT_OK
    if args.accept_above is not None and not 0 <= args.accept_above <= 1:
        raise ConfigError("--accept-above", f"{args.accept_above} is not a score between 0 and 1")
    chosen, notes = choose(rows, args.accept, args.accept_above)
    for note in notes:
        print(f"ipkg: {note}", file=sys.stderr)
    if not chosen:
        print("ipkg: no link accepted; nothing written", file=sys.stderr)
        return EXIT_OK
    for s in chosen:
        print(f"ipkg: accepted {s.local_label} = {s.qid} (score {s.score:.2f})", file=sys.stderr)
    if args.server:
        from ipkg.cli.remote import send_graph
        from ipkg.export import serialize_graph
        from ipkg.link.accept import accepted_links
        from ipkg.namespaces import GRAPH_LINKS

        links = serialize_graph(accepted_links(settings, args.file, chosen), "ntriples")
        done = send_graph(args.server, args.token or settings.update_token, GRAPH_LINKS, links, merge=True)
        print(f"ipkg: {done}", file=sys.stderr)
        return EXIT_OK
    target = accept(settings, args.file, chosen)
    print(f"ipkg: wrote {len(chosen)} link(s) to {target}", file=sys.stderr)
    return EXIT_OK


def cmd_link_conflicts(args: argparse.Namespace, settings: Settings) -> int:
    """Report values that local facts and imported graphs give differently (exit 0 either way)."""
    from ipkg.link import conflict_report, format_conflicts

    rows = conflict_report(settings, include_agreements=args.all)
    sys.stdout.write(format_conflicts(rows, args.format))
    return EXIT_OK


def cmd_export_quickstatements(args: argparse.Namespace, settings: Settings) -> int:
    """Write QuickStatements V1 commands for the local facts about linked entities."""
    from ipkg.link.quickstatements import quickstatements, skipped_summary
    from ipkg.namespaces import GRAPH_FACTS, GRAPH_LINKS, GRAPH_ONTOLOGY
    from ipkg.wikidata import Model

    graphs = open_built_store(settings, args).snapshot().to_dataset([GRAPH_FACTS, GRAPH_LINKS, GRAPH_ONTOLOGY])
    export = quickstatements(
        graphs.graph(GRAPH_FACTS), graphs.graph(GRAPH_LINKS), Model.from_ontology(graphs.graph(GRAPH_ONTOLOGY))
    )
    data = export.text().encode("utf-8")
    if args.output:
        args.output.write_bytes(data)
        print(f"ipkg: wrote {len(export.commands)} command(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    print(f"ipkg: {skipped_summary(export.skipped)}", file=sys.stderr)
    return EXIT_OK
