"""``rztui demo-server`` (the sample API in the foreground) and ``rztui paths``."""

from __future__ import annotations

import click

from ..api.errors import EXIT_FAILURE, RZError
from .common import AppContext, fail, out, pass_app


@click.command(name="demo-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--latency-ms", default=0.0, type=float, help="Added latency per request.")
@click.option("--rate-limit", default=100, type=int, show_default=True, help="Requests/minute.")
@click.option("--error-rate", default=0.0, type=float, help="Share of requests that get a 500.")
@click.option(
    "--speed", default=1.0, type=float, show_default=True, help="How fast live interviews progress."
)
def demo_server(
    host: str, port: int, latency_ms: float, rate_limit: int, error_rate: float, speed: float
) -> None:
    """Run the demo API server in the foreground."""
    from ..demo.server import main_foreground

    try:
        main_foreground(
            host=host,
            port=port,
            latency_ms=latency_ms,
            rate_limit=rate_limit,
            speed=speed,
            error_rate=error_rate,
        )
    except OSError as exc:
        fail(f"cannot start the demo server: {exc}", EXIT_FAILURE)
    except KeyboardInterrupt:
        pass


@click.command()
@pass_app
def paths(app: AppContext) -> None:
    """Print where config, data and cache live."""
    p = app.paths
    out(f"config file   {p.config_file}")
    out(f"data dir      {p.data_dir}")
    out(f"store         {p.store_file}")
    out(f"demo store    {p.store_file.with_name('demo.db')}")
    out(f"audio archive {app.audio_dir}")
    out(f"cache dir     {p.cache_dir}")
    try:
        base_url = app.base_url
    except RZError as exc:  # `paths` is where one looks when something is wrong: say what
        base_url = f"invalid: {exc.message}"
    out(f"base URL      {base_url}")
