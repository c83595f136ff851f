"""Modal screens: add interviews, confirm, API key entry, help, error."""
