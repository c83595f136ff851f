"""``rztui config``: the annotated example config.toml, and where the file is read from."""

from __future__ import annotations

import sys

import click

from ..api.errors import RZError, exit_code_for
from ..textsafe import clean_line
from .common import AppContext, error_line, handle_errors, out, pass_app


@click.command(name="config")
@click.option("--path", "path_only", is_flag=True,
              help="Print only the config file's path (it need not exist yet).")
@pass_app
@handle_errors
def config_cmd(app: AppContext, path_only: bool) -> None:
    """Print an example config.toml: every setting, its default and its meaning.

    \b
    The first line names the file rztui reads (RZTUI_HOME moves it). To start one:
      mkdir -p "$(dirname "$(rztui config --path)")"
      rztui config > "$(rztui config --path)"
    then remove the "# " before the settings you change.

    The current file is checked too: settings it ignores (wrong type, out of range, unknown
    name) are named on stderr; a file that is not TOML at all is an error (exit 2).
    """
    from ..config import EXAMPLE_CONFIG

    path = app.paths.config_file
    if path_only:
        out(str(path))
        return
    out(f"# rztui reads {clean_line(str(path))}\n#\n{EXAMPLE_CONFIG}", nl=False)
    try:
        _ = app.settings  # names each ignored setting on stderr
    except RZError as exc:
        error_line(exc)
        sys.exit(exit_code_for(exc))
