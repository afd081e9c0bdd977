"""Database plumbing: connections per role, the project's own cluster, bootstrap of roles."""
