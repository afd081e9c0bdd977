"""Municipal editing: accounts, the web editor, the editing API and history."""
