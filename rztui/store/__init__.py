"""Local SQLite store (no Textual, no httpx)."""

from .db import ListRow, Store

__all__ = ["ListRow", "Store"]
