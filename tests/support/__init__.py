"""Test-only helpers (not part of the installed ``fieldsync`` package)."""
