"""``rztui`` (no subcommand) and ``rztui --demo``: build the app from the CLI context and run it."""

from __future__ import annotations

import sys
from typing import Any


def run_app(app: Any, **run_options: Any) -> None:
    """Run ``app``; when it stopped on an unhandled exception, exit 1 with one line.

    Textual prints the traceback and sets ``return_code`` but ``run()`` returns normally:
    without this the shell would see 0 after a crash (issue 20, item 1).
    """
    app.run(**run_options)
    code = app.return_code
    if code:
        print("rztui: error: the app stopped on an unexpected error (shown above)",
              file=sys.stderr)
        raise SystemExit(code if isinstance(code, int) and 0 < code < 256 else 1)


def launch(app_ctx: Any) -> None:
    """Run the TUI. In demo mode, an in-process demo server (its own threads) serves the sample
    data, every demo interview is tracked in the separate demo store, and the demo key is used;
    the app also gets the server itself, so it plays the vendor's webhooks to the app's
    loopback receiver (the whole live loop on one machine). The server stops when the app exits.
    """
    import gc

    # Start-up makes many long-lived objects (Textual's classes, the CSS, the widgets): no
    # collection while they are built, then they move out of the collector's way for good.
    gc.disable()
    try:
        from .app import RZApp
    finally:
        gc.freeze()
        gc.enable()

    paths = app_ctx.paths
    common = dict(settings=app_ctx.settings, data_dir=paths.data_dir, audio_dir=app_ctx.audio_dir,
                  webhook_listen=getattr(app_ctx, "webhook_listen", None))
    if not app_ctx.demo:
        # The key is looked up inside the app (in a thread: keyring can be slow).
        run_app(RZApp(store=app_ctx.store, base_url=app_ctx.base_url, api_key=None, **common))
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
        run_app(RZApp(store=store, base_url=server.base_url, api_key=DEMO_KEY, demo=True,
                      demo_server=server, **common))
    finally:
        server.stop()
