"""Benchmarks: the engine against the naive per-record loop and the QuickBooks floor."""
