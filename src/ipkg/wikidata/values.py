"""Wikibase values (times, quantities, unknown values) as the literals of ipkg's model.

A time becomes an ``xsd:gYear``, ``xsd:gYearMonth`` or ``xsd:date`` by its
precision; a unitless quantity an integer or decimal. What has no ipkg
datatype raises ``Unmappable`` with the reason, so the statement is skipped and
reported rather than written wrong (the rules are in the package docstring).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ipkg.namespaces import WD, WIKIBASE
from ipkg.wikidata.model import Unmappable, qname

GREGORIAN = WD.Q1985727
UNIT_ONE = WD.Q199

DATETIME_RE = re.compile(
    r"^(?P<sign>[+-]?)(?P<year>[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.[0-9]+)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?$"
)

PRECISION_DATATYPES = {9: XSD.gYear, 10: XSD.gYearMonth, 11: XSD.date}
"""Wikibase time precision → the XSD datatype ipkg writes dates in."""

DATE_DATATYPES = frozenset({XSD.gYear, XSD.gYearMonth, XSD.date})
INTEGER_DATATYPES = frozenset({XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long})
NUMERIC_DATATYPES = INTEGER_DATATYPES | {XSD.decimal, XSD.double, XSD.float}

GENID = "http://www.wikidata.org/.well-known/genid/"
"""Wikibase writes an "unknown value" (somevalue) as a blank node or a skolem IRI here."""


def time_literal(value: Node, precision: int | None = None, calendar: Node | None = None) -> Literal:
    """A Wikibase time value as an ipkg date at its precision (see the package docstring).

    ``precision`` is the value node's ``wikibase:timePrecision``; None when there is
    no value node, in which case day precision is assumed only for a midnight time.

    Raises:
        Unmappable: no ipkg datatype has this precision, the calendar is not
            Gregorian at month or day precision, or the value is not a date.
    """
    if isinstance(value, Literal) and value.datatype in DATE_DATATYPES:
        return value
    match = DATETIME_RE.match(str(value)) if isinstance(value, Literal) else None
    if match is None:
        raise Unmappable(f"{qname(value)} is not a date")
    if precision is None:
        if match["time"] != "00:00:00":
            raise Unmappable(f"{value} has a time of day and no value node giving its precision")
        precision = 11
    if precision not in PRECISION_DATATYPES:
        unit = "coarser than a year" if precision < 9 else "finer than a day"
        raise Unmappable(f"time precision {precision} ({unit}) has no ipkg datatype")
    if precision >= 10 and calendar is not None and calendar != GREGORIAN:
        raise Unmappable(f"a date in the calendar {qname(calendar)} at month or day precision")
    year = match["year"].lstrip("0").rjust(4, "0")
    sign = "-" if match["sign"] == "-" else ""
    lexical = {
        9: f"{sign}{year}",
        10: f"{sign}{year}-{match['month']}",
        11: f"{sign}{year}-{match['month']}-{match['day']}",
    }
    return Literal(lexical[precision], datatype=PRECISION_DATATYPES[precision])


def time_of(graph: Graph, value: Node, value_node: Node | None) -> Literal:
    precision = calendar = None
    if value_node is not None:
        raw = graph.value(value_node, WIKIBASE.timePrecision)
        calendar = graph.value(value_node, WIKIBASE.timeCalendarModel)
        if raw is not None:
            try:
                precision = int(str(raw))
            except ValueError:
                raise Unmappable(f"time precision {raw!r} is not a number") from None
        full = graph.value(value_node, WIKIBASE.timeValue)
        value = full if full is not None else value
    return time_literal(value, precision, calendar)


def quantity_of(graph: Graph, value: Literal, value_node: Node | None, ranges: list[URIRef]) -> Literal:
    unit = graph.value(value_node, WIKIBASE.quantityUnit) if value_node is not None else None
    if unit is not None and unit != UNIT_ONE:
        raise Unmappable(f"a quantity in the unit {qname(unit)}")
    try:
        amount = Decimal(str(value).lstrip("+"))
    except InvalidOperation:
        raise Unmappable(f"{value!r} is not a number") from None
    if amount == amount.to_integral_value():
        return Literal(int(amount), datatype=XSD.integer)
    if any(r in INTEGER_DATATYPES for r in ranges):
        raise Unmappable(f"{amount} is not a whole number")
    return Literal(amount, datatype=XSD.decimal)


def is_unknown(value: Node | None) -> bool:
    return value is None or isinstance(value, BNode) or str(value).startswith(GENID)
