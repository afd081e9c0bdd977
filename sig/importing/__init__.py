"""Harmonized import of municipal files into the theme tables."""
