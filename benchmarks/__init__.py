"""Benchmarks: ``make bench`` runs every ``benchmarks/bench_*.py`` module's ``main()``.

Targets live here, never in timed tests; ratios are measured within one run
(ours against the naive way or the raw broker) because shared machines are noisy.
"""
