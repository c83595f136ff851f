"""One small exception hierarchy for everything that can go wrong talking to the API.

Every error has a one-line human ``message`` (naming the interview id when there is one) and the
CLI ``exit_code`` documented in the README. No message ever contains the API key: messages are
built from the status, the envelope and the id only, and :func:`redact` scrubs anything else:
anything ``rz_``-shaped and, exactly, every key handed to :func:`register_secret` (the client
registers its own), whatever its shape.
"""

from __future__ import annotations

import re
import threading
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_FAILURE = 5

_KEY_RE = re.compile(r"rz_[A-Za-z0-9_\-]{4,}")
# Control characters and the bidi controls (as rztui.textsafe.BIDI: api/ does not import it).
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# Secrets shorter than this are not worth hiding (and hiding them would mangle every message).
_MIN_SECRET = 4
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """From now on :func:`redact` removes ``secret`` verbatim from every message."""
    if secret and len(secret) >= _MIN_SECRET:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """Remove the configured key(s), anything key-shaped and control characters from text."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:  # before the pattern: a key with a space would only half match it
        if secret in text:
            text = text.replace(secret, "***")
    return _CTRL_RE.sub(" ", _KEY_RE.sub("rz_***", text))


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut at a word boundary (never mid-word) and
    ended with an ellipsis when it is longer; a single word longer than that is cut short."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a boundary not too far back; else one long word: cut it
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


class RZError(Exception):
    """Base class: ``message`` is for people, ``exit_code`` for the shell."""

    exit_code = EXIT_FAILURE
    retryable = False

    def __init__(self, message: str, *, interview_id: str | None = None) -> None:
        self.interview_id = interview_id
        self.detail = redact(message)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.interview_id:
            return f"interview {redact(self.interview_id)[:80]}: {self.detail}"
        return self.detail

    def __str__(self) -> str:
        return self.message

    def with_id(self, interview_id: str) -> RZError:
        if self.interview_id is None:
            self.interview_id = interview_id
            self.args = (self.message,)
        return self


class InvalidId(RZError):
    exit_code = EXIT_USAGE


class ConfigError(RZError):
    exit_code = EXIT_USAGE


class CredentialsError(RZError):
    """No key available, or the keyring cannot be used."""

    exit_code = EXIT_AUTH


class InvalidResponse(RZError):
    """A body that is not JSON, or JSON of the wrong shape, or about another interview."""

    # Set (to the 2xx status) when a request that changes something was done all the same.
    accepted_status: int | None = None


class ResponseTooLarge(InvalidResponse):
    """The body (decoded) is over the size cap: never retried."""


class NetworkError(RZError):
    retryable = True
    # False when it failed while connecting: the request provably never reached the server.
    request_sent = True


class RequestTimeout(NetworkError):
    """No byte for a whole read timeout: worth another try."""


class DeadlineExceeded(RequestTimeout):
    """The whole request took longer than its total deadline: the server trickles, so a retry
    would only take as long again."""

    retryable = False


class AddressRefused(RZError):
    """A URL (audio) points at a link-local, private or loopback address we will not fetch."""


class ApiError(RZError):
    """An HTTP error status from the API, with the envelope's type when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_type: str | None = None,
        interview_id: str | None = None,
    ) -> None:
        self.status = status
        self.error_type = error_type
        super().__init__(message, interview_id=interview_id)


class AuthError(ApiError):
    """401: the key is missing, wrong or revoked."""

    exit_code = EXIT_AUTH


class SubscriptionInactive(ApiError):
    """403: the account's API subscription is cancelled or past due."""

    exit_code = EXIT_AUTH


class NotFound(ApiError):
    exit_code = EXIT_NOT_FOUND


class RateLimited(ApiError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(ApiError):
    retryable = True


class OutcomeUnknown(RZError):
    """A request that changes something (POST, PATCH, ...) failed after the server may have
    received it (lost connection, timeout, 5xx): it may or may not have been done.

    ``cause`` is the last failure. With ``idempotency_key`` set, sending it again with that same
    key is safe (the server answers a repeat with the first outcome); without one, a second send
    could do it twice, so look before sending it again.
    """

    def __init__(
        self,
        message: str,
        *,
        cause: RZError,
        idempotency_key: str | None = None,
        interview_id: str | None = None,
    ) -> None:
        self.cause = cause
        self.idempotency_key = idempotency_key
        super().__init__(message, interview_id=interview_id)


def exit_code_for(exc: BaseException) -> int:
    return exc.exit_code if isinstance(exc, RZError) else EXIT_FAILURE
