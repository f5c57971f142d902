"""SPARQL 1.1 on rdflib: parse once (``prepare``), evaluate with limits (``deadline``, ``regex_guard``,
``federation``, ``guard``), write results (``results``). ``engine.install`` is the one switch that
applies ipkg's rdflib settings; importing this package changes nothing.
"""
