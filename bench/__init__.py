"""Benchmarks run by `make bench` (never by `make test`): each module measures one path and returns a report section."""
