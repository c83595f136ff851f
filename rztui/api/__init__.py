"""ROUND0 Interviews API: client, models and errors (no Textual here)."""
