"""Unit tests for the sync package: pure rules and the reference client (no app, no database)."""
