"""``rztui login`` and ``rztui logout``: the API key in the system keyring, never in a file."""

from __future__ import annotations

import click

from ..api.errors import EXIT_USAGE
from .common import AppContext, fail, handle_errors, pass_app, run_async


@click.command()
@pass_app
@handle_errors
def login(app: AppContext) -> None:
    """Store the API key in the system keyring (asked with a hidden prompt)."""
    from ..credentials import mask_key, store_key

    key = click.prompt("ROUND0 API key", hide_input=True).strip()
    if not key:
        fail("no key given", EXIT_USAGE)

    async def verify() -> None:
        async with app.client(key) as api:
            from ..api.errors import NotFound

            try:  # any id will do: a 404 proves the key was accepted
                await api.get_json("/api/v1/interviews/rztui-key-check")
            except NotFound:
                pass

    run_async(verify())
    store_key(key)
    click.echo(f"key {mask_key(key)} verified and stored in the system keyring")


@click.command()
@pass_app
@handle_errors
def logout(app: AppContext) -> None:
    """Remove the API key from the system keyring."""
    from ..credentials import delete_key

    click.echo("key removed from the keyring" if delete_key() else "no key was stored")
