"""``rztui`` (no subcommand) and ``rztui --demo``: build the app from the CLI context and run it."""

from __future__ import annotations

from typing import Any


def launch(app_ctx: Any) -> None:
    """Run the TUI. In demo mode, an in-process demo server (its own threads) serves the sample
    data, every demo interview is tracked in the separate demo store, and the demo key is used;
    the server stops when the app exits."""
    from .app import RZApp

    if not app_ctx.demo:
        # The key is looked up inside the app (in a thread: keyring can be slow).
        RZApp(store=app_ctx.store, base_url=app_ctx.base_url, api_key=None,
              settings=app_ctx.settings).run()
        return

    from ..demo.dataset import ALL_IDS, DEMO_KEY, LIVE_EXPIRING_ID, LIVE_IDS
    from ..demo.server import DemoServer

    server = DemoServer(port=0).start()
    try:
        store = app_ctx.store
        store.track(ALL_IDS, source="demo")
        # Interviews that are not final are dated from this server's start and the live ones
        # replay their progress each run: start them afresh (final ones stay cached).
        store.drop_cached(
            [*LIVE_IDS, LIVE_EXPIRING_ID, *(i for i in ALL_IDS if not store.is_final(i))]
        )
        RZApp(store=store, base_url=server.base_url, api_key=DEMO_KEY,
              settings=app_ctx.settings, demo=True).run()
    finally:
        server.stop()
