"""``python -m rztui``: the same as the ``rztui`` command."""

from rztui.cli import main

if __name__ == "__main__":
    main(prog_name="rztui")
