"""Delta Explorer's logic: importable and testable without a running app."""
