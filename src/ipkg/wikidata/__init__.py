"""Wikidata-style RDF → ipkg's model (``ipkg import wikidata``), and the alignment it rests on.

The input is RDF in the Wikidata dump format (Turtle or N-Triples): items with
labels, truthy ``wdt:`` triples and full statements (``p:``/``ps:``/``pq:``,
ranks, value nodes, references). Only what ``ontology/align-wikidata.ttl``
covers is mapped, and the mapping is read from the ontology at run time:

* ``ipkgo:x owl:equivalentProperty wdt:Pn`` maps statements of Pn to ipkgo:x;
* ``ipkgo:C owl:equivalentClass [owl:onProperty wdt:P31; owl:hasValue wd:Q]``
  maps ``P31 Q`` to the type ipkgo:C (other P31 values are kept as ``wdt:P31``);
* an aligned property with an ``owl:propertyChainAxiom (h r)`` whose first
  link ``h`` has an inverse ``m`` (ipkgo:memberOf = hasMembership/organization,
  hasMembership inverse of ipkgo:member) is the pattern of an n-ary node: a
  statement of it with aligned qualifiers becomes a node of the range of ``h``
  (ipkgo:Membership) with ``m`` → the item, ``r`` → the value, and the
  qualifiers (P580 → ipkgo:startDate, P582 → ipkgo:endDate …) on it.

Rules, in the order they apply:

Ranks (the truthy rule, as Wikibase writes ``wdt:``): for each item and
property, a statement counts only if it has the best rank: the preferred ones
if any non-deprecated preferred statement exists, otherwise the normal ones.
A deprecated statement never counts, even if a ``wdt:`` triple for its value
is present (such stray triples are reported and ignored). A statement without
``wikibase:rank`` is taken as normal. ``wdt:`` triples are used on their own
only for an item and property that has no full statement at all (a truthy-only
dump); ``wikibase:BestRank`` is not trusted, the rank is recomputed.

Time values: the precision is that of the value node (``psv:``/``pqv:`` →
``wikibase:timePrecision``): 9 → ``xsd:gYear`` ("2021"), 10 →
``xsd:gYearMonth`` ("2020-10"), 11 → ``xsd:date`` ("2020-10-22"); Wikibase
pads lower precisions with ``-01``, which is dropped. Precisions coarser than a
year (0-8) and finer than a day (12-14) have no ipkg datatype: the statement is
skipped. Month and day precision in a calendar other than the proleptic
Gregorian (Q1985727) are skipped too (the day could differ). Without a value
node only the simple ``xsd:dateTime`` is known: day precision is then assumed
if, and only if, its time part is midnight (``T00:00:00``, as Wikibase writes
every date); any other time of day is skipped, since the precision is unknown.

Quantities: a unitless amount (no unit, or unit Q199 "1") becomes an
``xsd:integer`` if whole, else ``xsd:decimal``; amounts with a unit are skipped.

Model fit: a statement is mapped only if its item is known to be in the
domain of the ipkgo property, and its value (for object properties) is not
known to be outside its range. What is known of an item: the ipkgo classes of
its counted P31 values, and the asserted classes of the local resources linked
to it by ``owl:sameAs``. So ``P571 inception`` on Belarus is skipped
(ipkgo:foundingDate applies to organizations, Belarus is a state), and on WIPO
it is mapped once WIPO is linked. The link itself must fit: an item whose P31
type is disjoint with the class of the local resource it is linked to makes
the import fail.

Output, per item: one ``rdfs:label`` per language (``rdfs:label`` first, then
``skos:prefLabel``, then ``schema:name``; other names in ``skos:altLabel``,
with the aliases), the ipkgo types, the mapped direct values, and
``prov:wasDerivedFrom`` the file. Per counted statement, a node whose IRI is
the statement's (``wds:…``): an n-ary node as above, or else an
``ipkgo:Claim`` (claimSubject, claimProperty, claimValue), derived from its
references: ``pr:P854`` reference URL → an ``ipkgo:Source`` with that
``ipkgo:url``; a reference with only ``pr:P248`` stated in → a Source whose URL
is the cited item; a statement without such a reference is derived from the
file, itself an ``ipkgo:Source`` (an RFC 6920 ``ni:`` URI naming its SHA-256,
confidence "M"). Reference sources also get confidence "M": ipkg has not read
them, Wikidata's editors cite them. Items that an n-ary node needs as member
or organization are typed with the range of that role (ipkgo:Agent,
ipkgo:Organization), which the reasoner would conclude anyway, so that the
shapes, which judge asserted data, see them.

Nothing is written unless the result validates and reasons together with the
project's current asserted graphs (``build.build_with``).

The package is split by job: ``model`` (the alignment read from the ontology),
``read`` (the dump format), ``values`` (times and quantities), ``context`` (the
file as a Source, the local links), ``mapping`` (statements → ipkg's model),
``report`` (what an import did) and ``importer`` (the commands). The names
other modules use are re-exported here.
"""

from __future__ import annotations

from ipkg.wikidata.context import FileSource, file_source, linked_items, local_classes
from ipkg.wikidata.importer import (
    NAME_RE,
    check_name,
    default_name,
    external_dir,
    import_wikidata,
    list_imports,
    map_file,
    remove_import,
)
from ipkg.wikidata.mapping import Mapper
from ipkg.wikidata.model import DIRECT_RE, ITEM_RE, Model, NaryPattern, Unmappable, qid, qname
from ipkg.wikidata.read import (
    PROP_RE,
    QUALIFIER_RE,
    RANKS,
    SCHEMA_NAMES,
    WIKIDATA_SUFFIXES,
    Item,
    Snak,
    Statement,
    WikidataGraph,
    read_file,
    read_wikidata,
)
from ipkg.wikidata.report import ImportReport, PropertyCount
from ipkg.wikidata.values import (
    DATE_DATATYPES,
    DATETIME_RE,
    GENID,
    GREGORIAN,
    INTEGER_DATATYPES,
    NUMERIC_DATATYPES,
    PRECISION_DATATYPES,
    UNIT_ONE,
    time_literal,
)

__all__ = [
    "DATETIME_RE",
    "DATE_DATATYPES",
    "DIRECT_RE",
    "FileSource",
    "GENID",
    "GREGORIAN",
    "INTEGER_DATATYPES",
    "ITEM_RE",
    "ImportReport",
    "Item",
    "Mapper",
    "Model",
    "NAME_RE",
    "NUMERIC_DATATYPES",
    "NaryPattern",
    "PRECISION_DATATYPES",
    "PROP_RE",
    "PropertyCount",
    "QUALIFIER_RE",
    "RANKS",
    "SCHEMA_NAMES",
    "Snak",
    "Statement",
    "UNIT_ONE",
    "Unmappable",
    "WIKIDATA_SUFFIXES",
    "WikidataGraph",
    "check_name",
    "default_name",
    "external_dir",
    "file_source",
    "import_wikidata",
    "linked_items",
    "list_imports",
    "local_classes",
    "map_file",
    "qid",
    "qname",
    "read_file",
    "read_wikidata",
    "remove_import",
    "time_literal",
]
