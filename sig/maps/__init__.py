"""Rendered maps: MapServer and MapProxy (WMS/WMTS), seeding and tile freshness."""
