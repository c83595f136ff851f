"""``rztui login`` and ``rztui logout``: the API key in the system keyring, never in a file."""

from __future__ import annotations

import os
import sys

import click

from ..api.errors import EXIT_FAILURE, EXIT_USAGE
from .common import AppContext, fail, handle_errors, isatty, note, out, pass_app, run_async

MAX_KEY_LINE = 4096


@click.command()
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the key from the first line of stdin, without a prompt.")
@pass_app
@handle_errors
def login(app: AppContext, from_stdin: bool) -> None:
    """Check an API key with the API, then store it in the system keyring.

    On a terminal the key is asked with a hidden prompt. With --stdin, or when stdin is not a
    terminal, the first line of stdin is the key, read quietly:

    \b
      printf '%s\\n' "$KEY" | rztui login --stdin

    Exit 4 when the API refuses the key; exit 5 when the key works but this machine has no
    keyring to keep it in (then set ROUNDZERO_API_KEY instead).
    """
    from ..credentials import ENV_KEY, keyring_available, mask_key, store_key

    if from_stdin or not isatty(sys.stdin):
        key = _key_from_stdin()
    else:
        key = click.prompt("ROUND0 API key", hide_input=True, err=True).strip()
    if not key:
        fail("no key given" + (" on stdin" if from_stdin or not isatty(sys.stdin) else ""),
             EXIT_USAGE)

    async def verify() -> None:
        async with app.client(key) as api:
            from ..api.errors import NotFound

            try:  # any id will do: a 404 proves the key was accepted
                await api.get_json("/api/v1/interviews/rztui-key-check")
            except NotFound:
                pass

    run_async(verify())
    if not keyring_available():
        fail("the key works, but this machine has no system keyring to store it in: "
             f"set {ENV_KEY} in the environment instead", EXIT_FAILURE)
    store_key(key)
    out(f"key {mask_key(key)} verified and stored in the system keyring")
    if os.environ.get(ENV_KEY, "").strip():
        note(f"{ENV_KEY} is set in this environment and is used before the keyring")


def _key_from_stdin() -> str:
    """The first line of stdin, without echo or prompt (bytes: a broken encoding is the key's
    problem, reported by the key check, not a UnicodeDecodeError)."""
    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:
        return sys.stdin.readline(MAX_KEY_LINE).strip()
    line: bytes = binary.readline(MAX_KEY_LINE)
    return line.decode("utf-8", errors="replace").strip()


@click.command()
@pass_app
@handle_errors
def logout(app: AppContext) -> None:
    """Remove the API key from the system keyring (exit 0 when none was stored)."""
    from ..credentials import ENV_KEY, delete_key, keyring_available

    if not keyring_available():
        out("no key was stored (this machine has no system keyring)")
    elif delete_key():
        out("key removed from the system keyring")
    else:
        out("no key was stored in the system keyring")
    if os.environ.get(ENV_KEY, "").strip():
        note(f"{ENV_KEY} is still set in this environment: rztui keeps using that key")
