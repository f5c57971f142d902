"""Entity pages (/id/<slug>) and the ontology page (/ontology): HTML for browsers, RDF by negotiation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ipkg.build.load import parse_text
from ipkg.namespaces import GRAPH_INFERRED, IPKG, IPKGO, SRC

CHROMIUM_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
"""What Chromium sends when it navigates to a page."""

SANDAGE = IPKG["john-sandage"]
VISIT = IPKG["2018-01-29-sandage-visit-to-belarus"]


def html(client: FlaskClient, path: str, accept: str = "text/html") -> str:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/html; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    return response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    """The table rows of a page, as HTML fragments."""
    return re.findall(r"<tr class=.*?</tr>", page, flags=re.S)


def row_with(page: str, needle: str) -> str:
    found = [row for row in rows(page) if needle in row]
    assert found, f"no row with {needle!r}"
    return found[0]


# --------------------------------------------------------------------------- HTML


def test_html_page_shows_label_types_and_marks(client: FlaskClient) -> None:
    page = html(client, "/id/john-sandage")
    assert "<title>John Sandage · ipkg</title>" in page
    assert "<h1>John Sandage</h1>" in page
    assert 'href="/ontology#Person"' in page  # the asserted type, linked to its term
    assert ">person</a>" in page  # shown by its label
    participated = row_with(page, "ipkgo:participatedIn")  # from owl:inverseOf ipkgo:visitor ⊑ participant
    assert 'class="inferred"' in participated
    assert 'class="mark inferred"' in participated
    label = row_with(page, 'John Sandage<span class="note">@en</span>')
    assert 'class="mark asserted"' in label


def test_html_page_has_a_dated_timeline(client: FlaskClient) -> None:
    page = html(client, "/id/john-sandage")
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert "2018-01-29 – 2018-01-30" in timeline
    assert "Visit of John Sandage to Belarus (29-30 January 2018)" in timeline
    assert 'href="/id/2018-01-29-sandage-visit-to-belarus"' in timeline


def test_timeline_dates_a_part_by_its_whole(client: FlaskClient) -> None:
    page = html(client, "/id/john-sandage")
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    visit = timeline.index("Visit of John Sandage to Belarus")
    meeting = timeline.index("Meeting of John Sandage with Belarus officials")
    assert visit < meeting  # the dated whole first, then its parts
    assert "during 2018-01-29 – 2018-01-30" in timeline[visit : meeting + 200]


def test_event_page_shows_when(client: FlaskClient) -> None:
    page = html(client, "/id/2018-01-29-sandage-visit-to-belarus")
    assert "<strong>2018-01-29 – 2018-01-30</strong>" in page
    part = html(client, "/id/2018-01-sandage-meeting-with-belarus")
    assert "<strong>during 2018-01-29 – 2018-01-30</strong>" in part


def test_alignment_inferences_are_folded(client: FlaskClient) -> None:
    page = html(client, "/id/belarus")
    main, folded = page.split('<details class="aligned">', 1)
    folded = folded.split("</details>", 1)[0]
    assert "wdt:P1344" in folded and "prov:wasAssociatedWith" in folded
    assert "wdt:P1344" not in main.split('id="properties"', 1)[1]


def test_timeline_is_sorted_by_date(client: FlaskClient) -> None:
    page = html(client, "/id/belarus")
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert timeline.index("2018-01-29") < timeline.index("2019-05-14")  # a venue, then a participation
    assert "venue" in timeline and "participant" in timeline


def test_html_page_quotes_its_sources_escaped(client: FlaskClient) -> None:
    page = html(client, "/id/john-sandage")
    sources = page.split('id="sources"', 1)[1]
    # The sentence holds "<and met officials>": it must come out as text, never as markup.
    assert "visited Belarus &lt;and met officials&gt;." in sources
    assert "<and met officials>" not in page
    assert 'href="/id/source/example-page-p2-s1"' in sources
    assert "¶2, sentence 1" in sources
    assert 'href="https://example.org/wipo-belarus"' in sources


def test_html_page_links_values_and_incoming(client: FlaskClient) -> None:
    page = html(client, "/id/belarus")
    assert 'href="https://www.wikidata.org/wiki/Q184"' in page
    incoming = page.split('id="incoming"', 1)[1]
    assert 'href="/id/2018-01-29-sandage-visit-to-belarus"' in incoming
    assert 'class="mark asserted"' in row_with(incoming, "ipkgo:location")
    # The meeting's ipkgo:participant is listed once, from this side (ipkgo:participatedIn, its inverse).
    properties = page.split('id="properties"', 1)[1].split('id="incoming"', 1)[0]
    assert 'href="/id/2019-05-wipo-belarus-meeting"' in row_with(properties, "ipkgo:participatedIn")
    assert "ipkgo:participant" not in incoming


def section(page: str, start: str, end: str = "<h2") -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_summary_comes_first_with_key_facts_and_links(client: FlaskClient) -> None:
    page = html(client, "/id/belarus")
    order = [page.index(marker) for marker in ('id="summary"', 'id="timeline"', 'id="properties"', 'id="incoming"')]
    assert order == sorted(order)
    summary = section(page, 'id="summary"', "</section>")
    assert "Belarus is a <strong>state</strong>" in summary
    facts = summary.split('<dl class="facts key-facts">', 1)[1].split("</dl>", 1)[0]
    assert "membership" in facts and "Membership of Belarus in WIPO" in facts and "since 1970-04-26" in facts
    assert "member of" in facts and "World Intellectual Property Organization" in facts  # inferred, and marked
    assert 'class="mark inferred"' in facts.split("member of", 1)[1].split("</dd>", 1)[0]
    assert 'href="https://www.wikidata.org/wiki/Q184"' in summary
    link = re.search(r'<a class="query-link" href="([^"]+)"', summary)
    assert link, summary
    from html import unescape
    from urllib.parse import parse_qs

    href = unescape(link.group(1))
    assert href.startswith("/#query=")
    params = parse_qs(href.split("#", 1)[1])
    assert params["infer"] == ["true"]
    assert "ipkg:belarus ?property ?value" in params["query"][0]


def test_statements_are_grouped_by_property(client: FlaskClient) -> None:
    page = html(client, "/id/john-sandage")
    properties = section(page, 'id="properties"')
    row = row_with(properties, "ipkgo:participatedIn")
    assert row.count("<tr") == 1
    assert "Visit of John Sandage to Belarus" in row and "Meeting of John Sandage with Belarus officials" in row
    assert properties.count("ipkgo:participatedIn") == 1  # one row for the property, not one per value
    assert 'id="p-participatedIn"' in row


def test_disagreeing_sources_are_shown_with_ranks_and_sources(client: FlaskClient) -> None:
    page = html(client, "/id/wipo")
    assert "Sources disagree on 1 property" in section(page, 'id="summary"', "</section>")
    claims = section(page, 'id="claims"')
    assert claims.startswith(">Where sources disagree")
    rows_ = re.findall(r'<tr class="rank-(\w+)">(.*?)</tr>', claims, flags=re.S)
    assert [(rank, value) for rank, row in rows_ for value in re.findall(r"<td class=\"v\">([^<]+)", row)] == [
        ("preferred", "1967-07-14"),
        ("normal", "1970-04-26"),
        ("deprecated", "1893"),
    ]
    deprecated = rows_[2][1]
    assert 'href="/id/source/example-page-p1-s1"' in deprecated  # the value's source
    assert "No other source gives 1893" in deprecated  # why it is deprecated
    assert 'href="/id/source/example-convention"' in deprecated  # and what the reason rests on
    # the statement row of the property links to the disagreement
    assert 'href="#claims-p-foundingDate"' in row_with(section(page, 'id="properties"'), "ipkgo:foundingDate")


def test_browser_accept_header_gets_html(client: FlaskClient) -> None:
    page = html(client, "/id/belarus", accept=CHROMIUM_ACCEPT)
    assert "<h1>Belarus</h1>" in page


def test_source_sentence_page(client: FlaskClient) -> None:
    page = html(client, "/id/source/example-page-p2-s1")
    assert "<h1>Example page, paragraph 2, sentence 1</h1>" in page
    assert '<blockquote class="quote"><p>“On 29-30 January 2018' in page
    assert "&lt;and met officials&gt;" in page
    # Facts derived from the sentence point to it.
    assert 'href="/id/john-sandage"' in page.split('id="incoming"', 1)[1]


# --------------------------------------------------------------------------- RDF


@pytest.mark.parametrize(
    ("accept", "media", "syntax"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        (None, "text/turtle", "turtle"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_rdf_parses_back(client: FlaskClient, accept: str | None, media: str, syntax: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/john-sandage", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media
    graph = parse_text(response.get_data(as_text=True), syntax)  # resolves ipkg's JSON-LD context locally
    assert (SANDAGE, RDFS.label, Literal("John Sandage", lang="en")) in graph
    assert (SANDAGE, RDF.type, IPKGO.Person) in graph
    assert (SANDAGE, IPKGO.participatedIn, VISIT) in graph  # inferred, included
    assert (VISIT, IPKGO.visitor, SANDAGE) in graph  # incoming
    assert all(SANDAGE in (s, o) for s, _, o in graph)


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get("/id/belarus?format=ttl", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (IPKG.belarus, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q184")) in graph
    jsonld = client.get("/id/belarus?format=jsonld", headers={"Accept": "text/html"})
    assert jsonld.mimetype == "application/ld+json"
    label = (IPKG.belarus, RDFS.label, Literal("Belarus", lang="en"))
    assert label in parse_text(jsonld.get_data(as_text=True), "json-ld")
    page = client.get("/id/belarus?format=html", headers={"Accept": "text/turtle"})
    assert page.mimetype == "text/html"


def test_trig_keeps_the_inferred_graph_apart(client: FlaskClient) -> None:
    response = client.get("/id/john-sandage", headers={"Accept": "application/trig"})
    assert response.mimetype == "application/trig"
    dataset = Dataset()
    dataset.parse(data=response.get_data(as_text=True), format="trig")
    assert (SANDAGE, IPKGO.participatedIn, VISIT) in dataset.graph(GRAPH_INFERRED)
    assert (SANDAGE, RDFS.label, Literal("John Sandage", lang="en")) not in dataset.graph(GRAPH_INFERRED)


def test_rdfxml_is_served(client: FlaskClient) -> None:
    response = client.get("/id/wipo", headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    assert response.mimetype == "application/rdf+xml"
    assert 'rdf:about="https://w3id.org/ipkg/id/wipo"' in response.get_data(as_text=True)


def test_rdfxml_parses_back(client: FlaskClient) -> None:
    response = client.get("/id/john-sandage", headers={"Accept": "application/rdf+xml"})
    graph = parse_text(response.get_data(as_text=True), "xml")
    assert (SANDAGE, RDFS.label, Literal("John Sandage", lang="en")) in graph


def test_source_iris_dereference(client: FlaskClient) -> None:
    response = client.get("/id/source/example-page", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (SRC["example-page"], RDF.type, IPKGO.Source) in graph


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("path", ["/id/no-such-thing", "/id/source/no-such-sentence", "/id/a%20b", "/id/%3Cx%3E"])
def test_unknown_resource_is_404(client: FlaskClient, path: str) -> None:
    for accept in ("text/html", "text/turtle", "application/json"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404
    assert client.get(path, headers={"Accept": "application/json"}).get_json()["error"] == "not-found"


def test_unacceptable_type_is_406(client: FlaskClient) -> None:
    assert client.get("/id/belarus", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/id/belarus?format=nonsense").status_code == 400


# --------------------------------------------------------------------------- the ontology


def test_ontology_html_lists_terms(client: FlaskClient) -> None:
    page = html(client, "/ontology")
    assert "ipkg: an ontology of international intellectual-property cooperation" in page
    visit = page.split('id="Visit"', 1)[1].split("</section>", 1)[0]
    assert "ipkgo:Visit" in visit
    assert 'href="/ontology#Event"' in visit  # its superclass
    participant = page.split('id="participant"', 1)[1].split("</section>", 1)[0]
    assert "An agent that took part in the event." in participant
    assert 'href="/ontology#participatedIn"' in participant  # owl:inverseOf


def test_ontology_rdf(client: FlaskClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (IPKGO.Visit, RDF.type, OWL.Class) in graph
    assert (IPKGO.Visit, RDFS.subClassOf, IPKGO.Event) in graph
    assert not list(graph.subjects(RDF.type, IPKGO.State))  # no instance data


def test_entity_links_to_ontology_terms_resolve(client: FlaskClient) -> None:
    page = html(client, "/id/belarus")
    anchors = set(re.findall(r'href="/ontology#([A-Za-z]+)"', page))
    ontology = html(client, "/ontology")
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in ontology


def test_jsonld_framed_on_the_entity(client) -> None:  # type: ignore[no-untyped-def]
    """``frame=true`` gives the entity as the root of one JSON-LD tree."""
    import json

    response = client.get("/id/belarus?format=jsonld&frame=true")
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["id"] == "ipkg:belarus"
    assert document["@context"].endswith("/context.jsonld")


def test_only_http_source_urls_become_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A source URL such as javascript:… is shown as text, never as a link (stored XSS)."""
    from ipkg.config import Settings
    from ipkg.serve import create_app
    from tests.support import scratch_project

    project = Path(__file__).resolve().parent / "project"
    root = scratch_project(tmp_path, data_from=project / "data")
    sample = root / "data" / "sample.ttl"
    text = sample.read_text(encoding="utf-8")
    start = text.index('ipkgo:url "') + len('ipkgo:url "')
    end = text.index('"', start)
    sample.write_text(text[:start] + "javascript:alert(document.domain)" + text[end:], encoding="utf-8")
    client = create_app(Settings(root=root, state_dir=tmp_path / "var")).test_client()
    page = client.get("/id/john-sandage", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert b"original page" not in page.data
    assert b'href="javascript:' not in page.data
