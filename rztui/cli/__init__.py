"""The command line: `rztui` alone opens the TUI; subcommands are scriptable.

One module per command group, all built on :mod:`rztui.cli.common`:

* :mod:`.interviews`: get, questions, transcript, add, remove, list
* :mod:`.export`: export, archive, review;  :mod:`.purge`: purge
* :mod:`.search`: search, compare;  :mod:`.auth`: login, logout
* :mod:`.demo`: demo-server, paths;  :mod:`.watch`: watch
* :mod:`.configure`: config;  :mod:`.completion`: completion
* :mod:`.evaluate`: rate, note, shortlist

A command's module is imported when the command runs (or ``--help`` lists it), so opening the
TUI imports none of them, and a command module such as :mod:`rztui.cli.watch` can import
:mod:`rztui.cli.common` without an import cycle through this package.

Exit codes (README): 0 ok; 1 unexpected internal error; 2 usage or bad id; 3 not found;
4 auth or permission (401/403, no key); 5 rate-limited, network, server or invalid response,
or nothing to write into (disk full, no keyring to store a verified key in).

The group itself (:func:`main`, :data:`COMMANDS`) is in :mod:`rztui.cli.group`, loaded on first
use: ``rztui`` alone, on a terminal, opens the app through :func:`run` without loading click
(start-up time); every other command line goes through :func:`main`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .group import COMMANDS, LazyGroup, main

__all__ = ["COMMANDS", "LazyGroup", "main", "run"]


def run() -> None:
    """The ``rztui`` command (and ``python -m rztui``)."""
    from .common import isatty

    if len(sys.argv) > 1 or not (isatty(sys.stdin) or isatty(sys.stdout)):
        from .group import main

        main(prog_name="rztui")
        return
    # What `main` does with no arguments and no options (ROUNDZERO_BASE_URL is read by
    # AppContext itself either way), without parsing a command line.
    from ..api.errors import RZError, exit_code_for
    from .common import AppContext, fail, open_tui

    try:
        app_ctx = AppContext(None, False)
        app_ctx.check()
    except RZError as exc:
        fail(exc.message, exit_code_for(exc))
    open_tui(app_ctx)


def __getattr__(name: str) -> Any:
    if name in ("COMMANDS", "LazyGroup", "main"):
        from . import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
