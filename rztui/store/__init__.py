"""Local SQLite store (no Textual, no httpx).

``db`` holds the :class:`Store`, ``schema`` its tables and migrations, ``fts`` the full-text
index, ``payload`` how cached payloads are kept (compact JSON, compressed), ``errors`` the typed
store errors (busy, read-only, full, corrupt).
"""

from .db import CachedPayload, ImportCounts, ListRow, Store
from .errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreReadOnly, StoreTooNew
from .schema import MigrationHook, MigrationProgress

__all__ = [
    "CachedPayload", "ImportCounts", "ListRow", "MigrationHook", "MigrationProgress", "Store",
    "StoreBusy", "StoreCorrupt", "StoreError", "StoreFull", "StoreReadOnly", "StoreTooNew",
]
