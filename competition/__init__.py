"""Competitions: registry, results, ranking, upload, awards, public notice."""
