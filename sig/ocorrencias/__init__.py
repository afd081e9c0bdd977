"""Occurrences reported by residents (Linha Verde): routed to their municipality, triaged by
its staff under the database's rules, published through Open311 GeoReport v2 and open data."""
