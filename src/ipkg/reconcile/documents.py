"""What the reconciliation service answers besides candidates: manifest, preview, suggest, flyout, data extension.

Split from ``ipkg.serve.reconcile`` (which re-exports every name here) so the
routes there only read the request and send the reply: the functions here
build the payloads (JSON-ready dicts, or the preview's HTML) from the index
and plain arguments; nothing here reads Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import escape
from rdflib import URIRef

from ipkg import __version__
from ipkg.errors import ProtocolError
from ipkg.namespaces import IPKGO
from ipkg.reconcile import (
    DEFAULT_TYPES,
    IDENTIFIER_SPACE,
    SCHEMA_SPACE,
    Entity,
    Index,
    Term,
    extension_cells,
    normalize,
    short_id,
    suggest_rank,
)
from ipkg.reconcile.requests import BATCH_SIZE, resolve_property
from ipkg.sparql.deadline import check_deadline, deadline

VERSIONS = ("0.2",)
"""API versions the manifest declares (the manifest, results and sub-services follow 0.2)."""
SERVICE_NAME = "ipkg"
PREVIEW_SIZE = (400, 140)


def manifest(idx: Index, root: str) -> dict[str, Any]:
    """The 0.2 service manifest; URLs are absolute, under ``root`` (the server's public root, no trailing slash)."""
    service = root + "/reconcile"

    def suggest(kind: str) -> dict[str, str]:
        return {
            "service_url": service,
            "service_path": f"/suggest/{kind}",
            "flyout_service_path": f"/flyout/{kind}?id=${{id}}",
        }

    width, height = PREVIEW_SIZE
    return {
        "versions": list(VERSIONS),
        "name": SERVICE_NAME,
        "identifierSpace": IDENTIFIER_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "serviceVersion": __version__,
        "documentation": root + "/",
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": service + "/preview?id={{id}}", "width": width, "height": height},
        "defaultTypes": [idx.type_json(IPKGO[name]) for name in DEFAULT_TYPES if IPKGO[name] in idx.classes],
        "suggest": {"entity": suggest("entity"), "type": suggest("type"), "property": suggest("property")},
        "extend": {
            "propose_properties": {"service_url": service, "service_path": "/propose_properties"},
            "property_settings": [
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "Maximum number of values per entity (0: all of them)",
                }
            ],
        },
        "batch_size": BATCH_SIZE,
    }


def preview_html(idx: Index, entity: Entity, root: str) -> str:
    """A small HTML card for an entity, to show in an iframe of ``PREVIEW_SIZE``."""
    page = f"{root}/id/{quote(entity.id, safe='/')}"
    types = ", ".join(idx.type_json(t)["name"] for t in entity.shown_types)
    description = f'<p class="d">{escape(entity.description)}</p>' if entity.description else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(entity.name)}</title>
<style>body{{font:0.9rem/1.35 system-ui,sans-serif;margin:0.5rem;color:#222}}h1{{font-size:1.1rem;margin:0}}
.t{{color:#555;margin:0.15rem 0}}.d{{margin:0.3rem 0}}a{{color:#0645ad}}</style></head>
<body><h1><a href="{escape(page)}" target="_blank" rel="noopener">{escape(entity.name)}</a></h1>
<p class="t">{escape(types)} · <code>{escape(entity.id)}</code></p>{description}</body></html>
"""


def entity_suggestions(idx: Index, prefix: str, types: list[URIRef]) -> list[dict[str, Any]]:
    """Entities for the suggest service, best first: ``prefix`` is normalised, ``types`` all required."""
    ranked = []
    pool = idx.entities.values() if not prefix else (idx.entities[i] for i in idx.find(prefix))
    for entity in pool:
        rank = suggest_rank(prefix, entity.names, (entity.id,))
        if rank is not None and all(idx.has_type(entity, t) for t in types):
            ranked.append((rank, len(entity.name), entity.name, entity))
    items = []
    for *_, entity in sorted(ranked, key=lambda r: r[:3]):
        item: dict[str, Any] = {"id": entity.id, "name": entity.name}
        if entity.description:
            item["description"] = entity.description
        item["notable"] = [idx.type_json(t) for t in entity.shown_types]
        items.append(item)
    return items


def term_suggestions(idx: Index, terms: Mapping[URIRef, Term], prefix: str, with_broader: bool) -> list[dict[str, Any]]:
    """Classes or properties for the suggest service, best first (``prefix`` normalised)."""
    ranked = []
    for term in terms.values():
        rank = suggest_rank(prefix, (normalize(term.name),), (term.id,))
        if rank is not None:
            ranked.append((rank, term.name, term))
    items = []
    for *_, term in sorted(ranked, key=lambda r: r[:2]):
        item = idx.type_json(term.iri, broader=True) if with_broader else {"id": term.id, "name": term.name}
        if term.description:
            item["description"] = term.description
        items.append(item)
    return items


def entity_flyout(idx: Index, entity: Entity) -> dict[str, Any]:
    """0.2 flyout of an entity: ``{"id": …, "html": …}``."""
    types = ", ".join(idx.type_json(t)["name"] for t in entity.shown_types)
    html = f"<p><strong>{escape(entity.name)}</strong> ({escape(types)})</p>"
    if entity.description:
        html += f"<p>{escape(entity.description)}</p>"
    return {"id": entity.id, "html": html}


def term_flyout(term: Term) -> dict[str, Any]:
    """0.2 flyout of a class or property: ``{"id": …, "html": …}``."""
    html = f"<p><strong>{escape(term.name)}</strong> <code>{escape(term.id)}</code></p>"
    if term.description:
        html += f"<p>{escape(term.description)}</p>"
    return {"id": term.id, "html": html}


def property_proposals(idx: Index, given: str, cls_iri: URIRef, limit: int) -> dict[str, Any]:
    """Properties the entities of ``cls_iri`` (asked for as ``given``) have, most used first, at most ``limit``."""
    counts: dict[URIRef, int] = defaultdict(int)
    for entity in idx.entities.values():
        if idx.has_type(entity, cls_iri):
            for _, p, _ in idx.union.triples(entity.iri, None, None):
                if isinstance(p, URIRef) and p in idx.properties:
                    counts[p] += 1
    ranked = sorted(counts, key=lambda p: (-counts[p], idx.properties[p].name))[:limit]
    return {
        "type": given,
        "limit": limit,
        "properties": [{"id": idx.properties[p].id, "name": idx.properties[p].name} for p in ranked],
    }


def extend(idx: Index, query: Any, *, timeout: float | None, max_ids: int | None = None) -> dict[str, Any]:
    """A 0.2 data extension: values of the asked properties for each id, within ``timeout`` seconds.

    Raises:
        ProtocolError: not ``{"ids": [...], "properties": [{"id": …}]}``, an unknown property, or
            more than ``max_ids`` ids (the ``max_extend_ids`` setting).
        QueryTimeout: the time limit passed.
    """
    if (
        not isinstance(query, dict)
        or not isinstance(query.get("ids"), list)
        or not isinstance(query.get("properties"), list)
        or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in query["properties"])
    ):
        raise ProtocolError('parameter \'extend\' must be {"ids": ["belarus"], "properties": [{"id": "country"}]}')
    if max_ids is not None and len(query["ids"]) > max_ids:
        raise ProtocolError(f"extend: {len(query['ids'])} ids in one request; send at most {max_ids} (max_extend_ids)")
    meta, columns = [], []
    for number, prop in enumerate(query["properties"]):
        predicate = resolve_property(prop["id"], idx, f"extend: properties[{number}]")
        settings = prop.get("settings") or {}
        try:
            if not isinstance(settings, dict):
                raise TypeError("settings must be an object")
            limit = int(settings.get("limit", 0))
        except (TypeError, ValueError, OverflowError):
            raise ProtocolError(f"extend: properties[{number}]: setting 'limit' must be a number") from None
        term = idx.properties.get(predicate)
        meta.append({"id": prop["id"], "name": term.name if term else short_id(predicate)})
        columns.append((prop["id"], predicate, limit))
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with deadline(timeout):
        for given in query["ids"]:
            check_deadline()
            entity = idx.lookup(str(given))
            rows[str(given)] = {
                pid: extension_cells(
                    idx, [] if entity is None else idx.union.objects_in_graph_order(entity.iri, predicate), limit
                )
                for pid, predicate, limit in columns
            }
    return {"meta": meta, "rows": rows}
