"""rztui: a terminal browser for ROUND0 interview results."""

__version__ = "0.1.0"
