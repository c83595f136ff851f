"""What an archived recording is called and what it holds: file names made safe from the ids
the API sends, the extension from the content type or the first bytes, and whether a
pre-signed audio URL has expired. No I/O here (:mod:`rztui.files.archive` downloads)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..api.errors import RZError
from ..api.models import parse_time

URL_TTL_SECONDS = 24 * 3600
# Treat a URL as stale a little before it really is: a download can take a while.
URL_SAFETY_MARGIN = 300
MAX_COMPONENT = 80
# Content types an audio host may use; the first bytes must still be a known audio format.
GENERIC_TYPES = frozenset({
    "application/octet-stream", "binary/octet-stream", "application/ogg", "video/webm",
    "video/mp4", "video/ogg", "video/x-matroska",
})

_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/webm": "webm",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
}
_SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = re.compile(
    r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.IGNORECASE
)


def safe_component(text: str | None, *, max_length: int = MAX_COMPONENT) -> str:
    """One file-name component derived from untrusted ``text``; can never be a path.

    Keeps ``A-Z a-z 0-9 . _ -``, replaces everything else (``/``, ``\\``, NUL, spaces,
    non-ASCII) with ``_``, strips leading and trailing dots, dashes and spaces (no ``.``/``..``,
    no hidden files, no option-like names, no Windows trailing dot), prefixes Windows device
    names (``CON``, ``nul.txt``...), and caps the length. Whenever the text had to change, a short
    hash of the original is appended so two different ids never share a name.
    """
    original = text or ""
    normal = unicodedata.normalize("NFKC", original)
    name = _SAFE_CHARS.sub("_", normal)
    name = re.sub(r"_{2,}", "_", name).strip(".-_ ")
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    if name != original or not name or len(name) > max_length:
        digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        keep = max(1, max_length - len(digest) - 1)
        name = f"{name[:keep].rstrip('.-_ ')}-{digest}" if name else f"_-{digest}"
    return name


def extension_for(content_type: str | None, url: str | None = None) -> str:
    """A file extension (no dot) from the content type, else the URL's, else ``audio``."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _EXTENSIONS:
        return _EXTENSIONS[ctype]
    if url:
        suffix = Path(urlsplit(url).path).suffix.lower().lstrip(".")
        if re.fullmatch(r"[a-z0-9]{1,5}", suffix):
            return suffix
    sub = ctype.partition("/")[2]
    sub = re.sub(r"^(x-|vnd\.)", "", sub)
    return sub if re.fullmatch(r"[a-z0-9]{1,5}", sub) else "audio"


# Container families: when the content type's extension is one of the family the bytes belong to,
# it is kept (an Opus file in Ogg stays .opus); otherwise the bytes decide.
FAMILIES = {
    "mp3": {"mp3"}, "wav": {"wav"}, "ogg": {"ogg", "opus", "oga", "spx"},
    "m4a": {"m4a", "mp4", "m4b", "3gp", "aac"}, "webm": {"webm", "mka", "mkv"},
    "flac": {"flac"}, "aac": {"aac"}, "aiff": {"aiff", "aif"}, "amr": {"amr"}, "caf": {"caf"},
}
SNIFF_BYTES = 12


def sniff_audio(head: bytes) -> str | None:
    """The audio format the first bytes announce (an extension), or None if not audio."""
    if head.startswith(b"ID3"):
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"caff"):
        return "caf"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0b11
        return "mp3" if layer else "aac"  # MPEG audio frame sync; layer 00 is ADTS AAC
    return None


def what_it_is(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        return "an HTML/XML page"
    if text.startswith((b"{", b"[")):
        return "JSON"
    return "not a known audio format"


def url_expired(
    url: str, fetched_at: float | None, *, now: float | None = None, ttl: float = URL_TTL_SECONDS
) -> bool:
    """True when a pre-signed URL is (about to be) expired.

    An ``expires`` / ``Expires`` / ``X-Amz-Expires``-style parameter wins: Unix seconds or ISO
    8601. Otherwise the URL is assumed to live ``ttl`` from when the interview was fetched.
    """
    now = time.time() if now is None else now
    deadline: float | None = None
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        query = {}
    lowered = {k.lower(): v for k, v in query.items()}
    values = lowered.get("expires") or lowered.get("exp")
    value = values[0] if values else None
    if value:
        deadline = _parse_deadline(value)
    if deadline is None and "x-amz-expires" in lowered and "x-amz-date" in lowered:
        with contextlib.suppress(ValueError, TypeError):
            signed = datetime.strptime(lowered["x-amz-date"][0], "%Y%m%dT%H%M%SZ")
            deadline = signed.replace(tzinfo=UTC).timestamp() + float(lowered["x-amz-expires"][0])
    if deadline is None and fetched_at is not None:
        deadline = fetched_at + ttl
    if deadline is None:
        return False
    return now >= deadline - URL_SAFETY_MARGIN


def _parse_deadline(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    with contextlib.suppress(RZError):
        parsed = parse_time(value)
        return parsed.timestamp() if parsed else None
    return None
