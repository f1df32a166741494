"""Benchmarks for the validation and backlog engines (not part of the test run): `python -m benchmarks.run all`."""
