"""The API key: ``ROUNDZERO_API_KEY`` wins, else the system keyring. Never anywhere else.

keyring is imported lazily (it can hang on some systems at import) and every call is wrapped so a
headless machine with no backend gets a clear message, not a traceback. The TUI calls these
functions from a thread worker.
"""

from __future__ import annotations

import os

from .api.errors import CredentialsError
from .api.validate import validate_api_key

ENV_KEY = "ROUNDZERO_API_KEY"
SERVICE = "rztui"
USERNAME = "api_key"
NO_BACKEND = (
    "no system keyring is available on this machine, so the key cannot be stored; "
    "set ROUNDZERO_API_KEY in the environment instead"
)


def mask_key(key: str | None) -> str:
    """``rz_live_abcdef1234`` -> ``rz_live_...1234``; short or odd keys give away less."""
    if not key:
        return "no key"
    prefix = ""
    for p in ("rz_live_", "rz_test_", "rz_demo_", "rz_"):
        if key.startswith(p):
            prefix = p
            break
    rest = key[len(prefix) :]
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{prefix or '***'}...{tail}"


def _keyring():
    try:
        import keyring
        from keyring.errors import KeyringError
    except Exception as exc:  # a broken install must not crash the app
        raise CredentialsError(f"keyring cannot be loaded ({type(exc).__name__})") from None
    return keyring, KeyringError


def secret_from_keyring(username: str = USERNAME) -> str | None:
    """A secret of ours from the keyring; None if it has none or there is no backend."""
    keyring, keyring_error = _keyring()
    try:
        return keyring.get_password(SERVICE, username) or None
    except keyring_error as exc:
        if type(exc).__name__ == "NoKeyringError":
            return None
        raise CredentialsError(f"cannot read the keyring ({type(exc).__name__})") from None
    except Exception as exc:
        raise CredentialsError(f"cannot read the keyring ({type(exc).__name__})") from None


def key_from_keyring() -> str | None:
    return secret_from_keyring(USERNAME)


def keyring_available() -> bool:
    try:
        keyring, _ = _keyring()
        backend = keyring.get_keyring()
    except Exception:
        return False
    return type(backend).__module__ not in ("keyring.backends.fail", "keyring.backends.null")


def find_key() -> tuple[str | None, str]:
    """Return (key, where it came from): 'environment', 'keyring' or 'none'.

    A key with non-ASCII or control characters raises CredentialsError here, up front.
    """
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        return _checked(env, f"in {ENV_KEY}"), "environment"
    key = key_from_keyring()
    if key:
        return _checked(key, "in the keyring"), "keyring"
    return None, "none"


def _checked(key: str, where: str) -> str:
    try:
        return validate_api_key(key)
    except CredentialsError as exc:
        raise CredentialsError(exc.detail.replace("the API key", f"the API key {where}")) from None


def store_key(key: str) -> None:
    key = validate_api_key(key)
    keyring, keyring_error = _keyring()
    try:
        keyring.set_password(SERVICE, USERNAME, key)
    except keyring_error as exc:
        if type(exc).__name__ == "NoKeyringError":
            raise CredentialsError(NO_BACKEND) from None
        raise CredentialsError(f"cannot write to the keyring ({type(exc).__name__})") from None
    except Exception as exc:
        raise CredentialsError(f"cannot write to the keyring ({type(exc).__name__})") from None


def delete_key() -> bool:
    keyring, keyring_error = _keyring()
    try:
        keyring.delete_password(SERVICE, USERNAME)
    except keyring_error as exc:
        if type(exc).__name__ == "PasswordDeleteError":
            return False
        if type(exc).__name__ == "NoKeyringError":
            raise CredentialsError(NO_BACKEND) from None
        raise CredentialsError(f"cannot change the keyring ({type(exc).__name__})") from None
    return True
