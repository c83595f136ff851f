"""``python -m rztui``: the same as the ``rztui`` command."""

from rztui.cli import run

if __name__ == "__main__":
    run()
