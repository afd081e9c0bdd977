"""OGC API Features and Tiles (pygeoapi with the project's PostGIS providers)."""
