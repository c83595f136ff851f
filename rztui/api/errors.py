"""One small exception hierarchy for everything that can go wrong talking to the API.

Every error has a one-line human ``message`` (naming the interview id when there is one) and the
CLI ``exit_code`` documented in the README. No message ever contains the API key: messages are
built from the status, the envelope and the id only, and :func:`redact` scrubs anything else.
"""

from __future__ import annotations

import re

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_FAILURE = 5

_KEY_RE = re.compile(r"rz_[A-Za-z0-9_\-]{4,}")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def redact(text: str) -> str:
    """Remove anything key-shaped and control characters from text bound for a message."""
    return _CTRL_RE.sub(" ", _KEY_RE.sub("rz_***", text))


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
    """A body that is not JSON, or JSON of the wrong shape."""


class NetworkError(RZError):
    retryable = True


class RequestTimeout(NetworkError):
    pass


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

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(ApiError):
    retryable = True


def exit_code_for(exc: BaseException) -> int:
    return exc.exit_code if isinstance(exc, RZError) else EXIT_FAILURE
