"""``rztui completion SHELL``: print click's shell completion script."""

from __future__ import annotations

import click

from .common import out

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (bash, zsh or fish).

    Commands, options and choices complete with Tab. To turn it on:

    \b
      bash  add to ~/.bashrc:   eval "$(rztui completion bash)"
      zsh   add to ~/.zshrc:    eval "$(rztui completion zsh)"
      fish  run once:           rztui completion fish > ~/.config/fish/completions/rztui.fish

    The script calls rztui itself (with _RZTUI_COMPLETE set) to find completions, so it keeps
    up with new commands.
    """
    from click.shell_completion import get_completion_class

    from . import main

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click ships all three
        raise click.UsageError(f"no completion for {shell}")
    out(cls(main, {}, "rztui", "_RZTUI_COMPLETE").source())
