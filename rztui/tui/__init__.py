"""The Textual front end (imported only when the TUI opens: Textual is slow to import)."""
