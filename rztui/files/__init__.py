"""Files a user writes or reads: exports (CSV, JSON, JSON Lines), imports of an export, and the
audio archive. Each module is imported where it is used (this package imports nothing)."""
