"""Open data: web map, downloads, DCAT catalogue and indicators."""
