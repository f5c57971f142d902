"""The test suite; a package so that its shared scaffolding imports as ``tests.support``."""
