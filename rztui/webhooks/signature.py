"""The signature scheme and the secret: the only place that knows either.

The header is ``X-Webhook-Signature: t=<unix>,v1=<hex>``. The signed string is not public; we
use Stripe's scheme, which the vendor says theirs resembles: HMAC-SHA256 over
``"<t>.<raw body>"``, and timestamps more than 5 minutes off are refused. It lives in
:func:`sign` and :func:`verify_signature` only, so it is one place to change.

The secret comes from ``ROUNDZERO_WEBHOOK_SECRET`` or the keyring (service ``rztui``, username
``webhook_secret``): :func:`webhook_secret`; :func:`require_secret` says how to set one.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from ..api.errors import ConfigError

ENV_SECRET = "ROUNDZERO_WEBHOOK_SECRET"
KEYRING_SERVICE = "rztui"
KEYRING_USERNAME = "webhook_secret"
SIGNATURE_HEADER = "X-Webhook-Signature"
TOLERANCE = 300.0  # seconds a signature timestamp may be off
NO_SECRET = (f"no webhook secret: set {ENV_SECRET} (or store it in the keyring as service "
             f"'{KEYRING_SERVICE}', user '{KEYRING_USERNAME}')")


class SignatureError(Exception):
    """Why a signature was refused; ``status`` is the HTTP answer (400 malformed, 401 else)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _mac(secret: str | bytes, t: int, body: bytes) -> str:
    return hmac.new(_key(secret), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, t: int | float) -> str:
    """The ``X-Webhook-Signature`` value for ``body`` sent at Unix time ``t``."""
    t = int(t)
    return f"t={t},v1={_mac(secret, t, body)}"


def verify_signature(secret: str | bytes, header: str | None, body: bytes, now: float,
                     tolerance: float = TOLERANCE) -> int:
    """Check ``t=<unix>,v1=<hex>[,v1=...]`` against ``body``; return ``t`` or raise
    :class:`SignatureError`. Several ``v1`` entries are allowed (secret rotation); unknown
    schemes (``v0=``) are ignored; the comparison is constant-time."""
    if not header or not header.strip():
        raise SignatureError("missing signature", 401)
    t: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if name == "t":
            # ASCII digits only: '²' passes str.isdigit() and then fails int()
            if t is not None or not (value.isascii() and value.isdigit()) or len(value) > 12:
                raise SignatureError("malformed signature timestamp", 400)
            t = int(value)
        elif name == "v1":
            candidates.append(value.lower())
    if t is None or not candidates:
        raise SignatureError("malformed signature header", 400)
    if abs(now - t) > tolerance:
        raise SignatureError("signature timestamp outside the tolerance", 401)
    expected = _mac(secret, t, body).encode()
    ok = False
    for cand in candidates:  # no early exit: the time taken does not depend on which matched
        ok |= hmac.compare_digest(expected, cand.encode("ascii", "replace"))
    if not ok:
        raise SignatureError("signature does not match", 401)
    return t


def webhook_secret() -> str | None:
    """``ROUNDZERO_WEBHOOK_SECRET`` wins, else the keyring; None if neither has one.
    The keyring can be slow: front ends call this off their event loop."""
    env = os.environ.get(ENV_SECRET, "").strip()
    if env:
        return env
    from ..credentials import secret_from_keyring

    return secret_from_keyring(KEYRING_USERNAME)


def require_secret(secret: str | None = None) -> str:
    """``secret``, else :func:`webhook_secret`; :class:`ConfigError` saying how to set one."""
    secret = secret or webhook_secret()
    if not secret:
        raise ConfigError(NO_SECRET)
    return secret
