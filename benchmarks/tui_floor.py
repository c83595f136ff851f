"""What Textual itself costs to show a filter's new rows, for reading ``benchmarks/tui.py``.

Three bare Textual apps in a pseudo-terminal (140x40, as ``tui.py`` runs them), each typing the
same keys: a bare ``Input`` echoing them (the reference of ``tui.py``'s target), and two apps
that on each keystroke show 34 new rows and a new "N of 100,000" line, as a filter does: one
with Textual's ``DataTable`` (cleared and filled again), one with a ``Static`` holding the rows
as lines. No data, no filtering: only drawing. Prints each median and its ratio to the echo.

Run: ``python benchmarks/tui_floor.py`` (``--repeats K``, default 2). Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui import BARE, TYPED, Terminal  # noqa: E402

ROWS = r"""
from textual.app import App
from textual.widgets import DataTable, Footer, Input, Static

NAMES = [f"{{a}} {{b}}" for a in ("Quinn", "Noor", "Ada", "Ben", "Cleo", "Dev")
         for b in ("Novak", "Jensen", "Smith", "Lee", "Ortiz", "Khan")]


class Rows(App):
    def compose(self):
        yield Input(id="echo")
        yield Static("1000 of 100,000", id="count")
        yield {widget}
        yield Footer()

    def on_mount(self):
        self.n = 0
        if {table}:
            self.query_one("#rows").add_columns("Status", "Candidate", "Job", "When", "Ans")
        self.fill()

    def fill(self):
        self.n += 1
        rows = [("● completed", f"{{NAMES[(i + self.n) % len(NAMES)]}} {{self.n}}-{{i}}",
                 "Senior Frontend Developer", "3d ago", str(i % 9)) for i in range(34)]
        widget = self.query_one("#rows")
        if {table}:
            widget.clear()
            widget.add_rows(rows)
        else:
            widget.update("\n".join("  ".join(row) for row in rows), layout=False)

    def on_input_changed(self, event):
        self.fill()
        self.query_one("#count").update(f"{{1000 - len(event.value)}} of 100,000", layout=False)


Rows().run()
"""
DATATABLE = ROWS.format(widget='DataTable(id="rows", cursor_type="row")', table=True)
STATIC = ROWS.format(widget='Static(id="rows", markup=False)', table=False)


def typed(code: str, ready: Callable[[str], bool], shown: Callable[[str, int], str]) -> float:
    """Median ms from each keystroke to ``shown(word, n)`` on the screen."""
    term = Terminal(code, dict(os.environ))
    try:
        term.wait_for(ready)
        term.drain(1.0)
        times = []
        done = 0
        for word in TYPED:
            for n, ch in enumerate(word, start=1):
                done += 1
                t = term.send(ch)
                want = shown(word[:n], done)
                times.append((term.wait_for(lambda text, w=want: w in text) - t) * 1000)
                term.drain(0.2)
        return statistics.median(times)
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for _ in range(args.repeats):
        echo = typed(BARE, lambda text: "hello" in text, lambda text, n: text.rstrip())
        counted = lambda text, n: f"{1000 - n} of 100,000"  # noqa: E731
        table = typed(DATATABLE, lambda text: "of 100,000" in text, counted)
        static = typed(STATIC, lambda text: "of 100,000" in text, counted)
        print(f"keystroke -> frame, medians: bare Input echo {echo:.0f} ms; DataTable with 34 "
              f"new rows {table:.0f} ms ({table / echo:.1f}x); Static with 34 new lines "
              f"{static:.0f} ms ({static / echo:.1f}x)")


if __name__ == "__main__":
    main()
