"""Dumps at /dataset.<ext>: named graphs kept in JSON-LD, the context inline, graphs chosen by short name or IRI."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from pyld import jsonld as pyld
from rdflib import Dataset
from rdflib.compare import isomorphic

from ipkg.namespaces import GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY


def _offline(url: str, options: object = None) -> dict[str, object]:
    raise AssertionError(f"tried to load {url}")


def test_jsonld_dump_keeps_named_graphs_and_expands_offline(client: FlaskClient) -> None:
    response = client.get("/dataset.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    names = [item["id"] for item in document["@graph"]]
    assert str(GRAPH_FACTS) in names and str(GRAPH_INFERRED) in names and str(GRAPH_ONTOLOGY) in names
    assert isinstance(document["@context"], dict)  # inline: a downloaded dump expands with no network
    quads = pyld.to_rdf(document, {"format": "application/n-quads", "documentLoader": _offline})
    back = Dataset()
    back.parse(data=quads, format="nquads")
    nquads = Dataset()
    nquads.parse(data=client.get("/dataset.nq").get_data(as_text=True), format="nquads")
    for name in (GRAPH_FACTS, GRAPH_INFERRED):
        assert isomorphic(back.graph(name), nquads.graph(name)), name
    remote = json.loads(client.get("/dataset.jsonld?context=remote&graph=facts").data)
    assert remote["@context"] == "http://localhost/context.jsonld"


def test_graph_by_full_iri_or_short_name(client: FlaskClient) -> None:
    short = client.get("/dataset.nq?graph=facts")
    full = client.get("/dataset.nq", query_string={"graph": str(GRAPH_FACTS)})
    assert short.status_code == 200 and full.status_code == 200
    assert short.data == full.data
    assert {line.rsplit(" ", 2)[-2] for line in full.get_data(as_text=True).splitlines()} == {f"<{GRAPH_FACTS}>"}
    assert 'filename="ipkg-facts.nq"' in full.headers["Content-Disposition"]
    assert client.get("/dataset.nq", query_string={"graph": "https://w3id.org/ipkg/graph/none"}).status_code == 404
    assert client.get("/dataset.nq?graph=everything").status_code == 400
    assert client.get("/dataset.jsonld?context=elsewhere").status_code == 400


def test_dumps_are_byte_stable(client: FlaskClient) -> None:
    for suffix in ("ttl", "nt", "nq", "trig", "rdf", "jsonld"):
        first = client.get(f"/dataset.{suffix}").data
        assert first and b"_:N" not in first, suffix  # canonical blank node labels, not rdflib's random ones
