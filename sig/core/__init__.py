"""Database rules shared by every write path: rights, row versions, audit log."""
