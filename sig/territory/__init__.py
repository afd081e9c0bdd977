"""Municipalities and freguesias (CAOP) of the served territory."""
