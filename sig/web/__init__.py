"""Public pages: the web map at the root and the indicators."""
