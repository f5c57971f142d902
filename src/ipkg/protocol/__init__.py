"""The SPARQL 1.1 Protocol without I/O: request parameters in, a request object or an error out
(``requests``); ``Accept`` and ``format=`` in, a representation out (``negotiation``); the dataset a
request names (``dataset``). Importing it loads neither Flask nor rdflib nor the pipeline.
"""
