"""Checks on what the user configures (the base URL and the API key; no httpx here), and the
ranges of the numbers and dates the API sends (used by :mod:`rztui.api.models`, the one gate).

Both refuse bad input up front, with a one-line message that never echoes a secret, instead of
letting httpx fail later with a traceback, a retry loop or a silently different request:

- :func:`validate_base_url` -> :class:`ConfigError` (exit 2): not http(s), user info
  (``http://user:pass@host`` would make httpx send Basic auth instead of our Bearer key), no host,
  a bad port (``99999``), a broken IPv6 literal (``http://[::1``), spaces or control characters,
  a query or fragment.
- :func:`validate_api_key` -> :class:`CredentialsError` (exit 4): non-ASCII characters or control
  characters (CR/LF would split the header; httpx refuses non-ASCII header values).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import DEFAULT_BASE_URL
from .errors import ConfigError, CredentialsError

API_PREFIX = "/api/v1"
# Whitespace, C0/C1 controls, DEL and the invisible bidi/format characters.
_BAD_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_USERINFO = re.compile(r"//[^/?#]*@")


def _show(url: str) -> str:
    """The URL for a message: no user info (it may hold a password), no control characters."""
    shown = _USERINFO.sub("//***@", url)
    shown = _BAD_URL_CHARS.sub("?", shown)
    return repr(shown[:80] + ("…" if len(shown) > 80 else ""))


def validate_base_url(url: str | None) -> str:
    """The API origin from ``url`` (with or without ``/api/v1``), or raise ConfigError.

    ``None`` or blank gives the default. The result has no trailing slash and no ``/api/v1``.
    """
    raw = (url or "").strip() or DEFAULT_BASE_URL
    if _BAD_URL_CHARS.search(raw):
        raise ConfigError(f"base URL {_show(raw)} contains a space or a control character")
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises for a port out of range or not a number
        host = parts.hostname
    except ValueError as exc:
        raise ConfigError(f"invalid base URL {_show(raw)}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not raw.lower().startswith(f"{scheme}://"):
        raise ConfigError(f"base URL must start with http:// or https://: {_show(raw)}")
    if "@" in parts.netloc:
        raise ConfigError(
            "base URL must not contain a user name or password (the API key is sent as a "
            f"Bearer token): {_show(raw)}"
        )
    if not host:
        raise ConfigError(f"base URL has no host: {_show(raw)}")
    if port == 0 or parts.netloc.endswith(":"):
        raise ConfigError(f"base URL has an invalid port: {_show(raw)}")
    try:
        host.encode("idna")
    except UnicodeError:
        raise ConfigError(f"base URL has an invalid host name: {_show(raw)}") from None
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise ConfigError(f"base URL must not have a query or fragment: {_show(raw)}")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)].rstrip("/")
    return f"{scheme}://{parts.netloc}{path}"


def validate_api_key(key: str | None) -> str:
    """The key without surrounding whitespace; "" for none. Raises CredentialsError.

    The message never contains the key, not even a part of it.
    """
    value = (key or "").strip()
    if not value.isascii():
        raise CredentialsError(
            "the API key contains a non-ASCII character: it was not pasted correctly"
        )
    if _CONTROL.search(value):
        raise CredentialsError(
            "the API key contains a line break or another control character: "
            "it was not pasted correctly"
        )
    return value


# -- ranges of the values the API sends --------------------------------------------------------
# Checked once, where a payload becomes a model (api/models.py): JSON allows 10**400 or the year
# 1, and a value like that would crash a later stage (float(), a date's arithmetic) far from the
# payload that held it, or show as nonsense ("-27777777h").

#: One answer, and the questions' time limits and estimate: nobody speaks for more than a day.
MAX_DURATION_SECONDS = 86_400
#: What SQLite (and any other consumer) can hold as an integer.
INT64_MAX = 2**63 - 1
#: Dates outside these years are not about an interview (and years far off overflow the
#: conversions to UTC and to a timestamp).
MIN_YEAR, MAX_YEAR = 1970, 2200


def duration_ok(value: float) -> bool:
    """A finite number of seconds, 0 .. a day (NaN fails every comparison)."""
    return 0 <= value <= MAX_DURATION_SECONDS


def count_ok(value: float) -> bool:
    """A count: 0 .. int64."""
    return 0 <= value <= INT64_MAX


def position_ok(value: float) -> bool:
    """A sort position: within int64 (negative allowed: only the order matters)."""
    return -INT64_MAX - 1 <= value <= INT64_MAX


def year_ok(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR
