"""The ``rztui`` click group: its options, and every subcommand (:data:`COMMANDS`), imported
when it runs (or ``--help`` lists it). See :mod:`rztui.cli`."""

from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from ..api.errors import EXIT_USAGE, RZError, exit_code_for
from .common import AppContext, fail, isatty, note, open_tui, warn

COMMANDS: dict[str, str] = {
    "get": "rztui.cli.interviews:get",
    "questions": "rztui.cli.interviews:questions",
    "transcript": "rztui.cli.interviews:transcript",
    "add": "rztui.cli.interviews:add",
    "remove": "rztui.cli.interviews:remove",
    "list": "rztui.cli.interviews:list_cmd",
    "export": "rztui.cli.export:export",
    "import": "rztui.cli.importer:import_cmd",
    "archive": "rztui.cli.export:archive",
    "review": "rztui.cli.export:review",
    "purge": "rztui.cli.purge:purge",
    "search": "rztui.cli.search:search_cmd",
    "compare": "rztui.cli.search:compare_cmd",
    "watch": "rztui.cli.watch:watch",
    "login": "rztui.cli.auth:login",
    "logout": "rztui.cli.auth:logout",
    "demo-server": "rztui.cli.demo:demo_server",
    "paths": "rztui.cli.demo:paths",
    "config": "rztui.cli.configure:config_cmd",
    "completion": "rztui.cli.completion:completion",
    "rate": "rztui.cli.evaluate:rate",
    "note": "rztui.cli.evaluate:note",
    "shortlist": "rztui.cli.evaluate:shortlist",
}
"""Every subcommand: its name -> ``"module:attribute"`` of its :class:`click.Command`."""


class LazyGroup(click.Group):
    """A group whose subcommands (:data:`COMMANDS`) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise TypeError(f"{COMMANDS[cmd_name]} is not the command {cmd_name!r}")
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url", envvar="ROUNDZERO_BASE_URL", help="API origin (env ROUNDZERO_BASE_URL)."
)
@click.option("--demo", is_flag=True, help="Run against the embedded demo server and sample data.")
@click.option("--webhook-listen", metavar="HOST:PORT",
              help="The app also receives ROUND0 webhooks here (secret: "
                   "ROUNDZERO_WEBHOOK_SECRET or the keyring); --demo always listens on loopback.")
@click.version_option(__version__, prog_name="rztui")
@click.pass_context
def main(ctx: click.Context, base_url: str | None, demo: bool,
         webhook_listen: str | None) -> None:
    """rztui: browse ROUND0 interview results in the terminal.

    With no command, opens the interactive app (on a terminal; with stdin and stdout both
    redirected, prints `rztui list` instead).
    """
    if ctx.get_parameter_source("base_url") is click.core.ParameterSource.ENVIRONMENT:
        base_url = None  # AppContext reads it itself, and names it as the source
    try:
        ctx.obj = AppContext(base_url, demo)
        if ctx.invoked_subcommand is None:
            ctx.obj.check()  # a command checks when it runs (`rztui CMD --help` never does)
    except RZError as exc:
        fail(exc.message, exit_code_for(exc))
    if webhook_listen:
        if ctx.invoked_subcommand is not None:
            warn("--webhook-listen before a command is for the app; "
                 "use `rztui watch --webhook-listen HOST:PORT`")
        else:
            from ..webhooks import parse_listen

            try:
                parse_listen(webhook_listen)  # a typo is a usage error, not a toast
            except RZError as exc:
                fail(exc.message, EXIT_USAGE)
            ctx.obj.webhook_listen = webhook_listen
    if ctx.invoked_subcommand is None:
        if not isatty(sys.stdin) and not isatty(sys.stdout):
            # Scripts, cron, `ssh host rztui`: a full-screen app would only garble the output.
            if isatty(sys.stderr):
                note("not a terminal: listing the tracked interviews (`rztui list`)")
            list_cmd = main.get_command(ctx, "list")
            assert list_cmd is not None
            ctx.invoke(list_cmd)
            return
        open_tui(ctx.obj)
