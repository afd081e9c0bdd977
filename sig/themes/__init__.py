"""Harmonized theme tables, one Django model per theme of the layer registry."""
