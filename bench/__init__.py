"""Benchmarks of the site build and of what a phone downloads; they print figures and assert nothing."""
