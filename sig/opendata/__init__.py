"""Open data: catalogue, downloads, DCAT-AP, indicators, QGIS project, map data services."""
