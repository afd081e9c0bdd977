"""Ownership of the audit log: the audit schema, its table and functions belong to `sig_audit`.

Run by the database rules (`sig.core.security`) and again after a restore (`sig.ops.backup`),
which creates every object as the restoring role.
"""

from pathlib import Path

AUDIT_OWNER_SQL = (Path(__file__).parent / "sql" / "audit_owner.sql").read_text(encoding="utf-8")
