"""TUI benchmark: 10,000 tracked, cached interviews.

Prints, all measured in this one run:

- start-up to first screen, rztui vs a bare Textual App (ratio; target <= 1.5x), and the time
  until all 10,000 rows are in the list (they load in a thread after the first screen);
- filter latency per keystroke, typing into the filter box (median; target <= 50 ms);
- opening a 100,000-character transcript from the store (target <= 150 ms);
- peak RSS of the process (target <= 200 MB).

Run: ``python benchmarks/tui.py`` (``--rows N`` to change the count). No network: every interview
is cached in a temporary store, so no request is made. Not a timed test; figures vary by machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZE = (140, 40)


class FrameClock:
    """Mixin: remember when each frame is written to the (headless) terminal."""

    frames: list[float]

    def _display(self, screen, renderable) -> None:  # Textual's "write a frame" hook
        super()._display(screen, renderable)  # type: ignore[misc]
        if renderable is not None:
            # Headless apps skip encoding the frame for a terminal: do it, so it is counted.
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(self.console)
            self.frames.append(time.perf_counter())

    def frame_after(self, t: float) -> float:
        return next(f for f in self.frames if f >= t)


def make_store(home: Path, rows: int):
    from rztui.demo.dataset import LONG_ID, Dataset
    from rztui.store import Store

    data = Dataset(extra_completed=rows - 1)
    ids = data.bulk_ids + [LONG_ID]
    store = Store(home / "data" / "rztui.db")
    store.track(ids)
    store.save_interviews(data.snapshot(i) for i in ids)
    return store, ids


CHILD = r"""
import asyncio, sys, time
sys.path.insert(0, {root!r})
which = sys.argv[1]

async def main():
    if which == "bare":
        from textual.app import App
        from textual.widgets import Footer, Static

        class Bare(App):
            def compose(self):
                yield Static("hello")
                yield Footer()
        app = Bare()
    else:
        import os
        from rztui.store import Store
        from rztui.tui.app import RZApp
        # The store path is built here; importing rztui.config is measured separately below.
        store = Store(os.path.join(os.environ["RZTUI_HOME"], "data", "rztui.db"))
        app = RZApp(store=store, base_url="http://127.0.0.1:9", api_key="rz_bench_key_0000")
    shown = []
    display = app._display

    def first_frame(screen, renderable):
        display(screen, renderable)
        if renderable is not None and not shown:
            renderable.render_segments(app.console)
            shown.append(time.perf_counter())
            print("FRAME", flush=True)

    app._display = first_frame
    async with app.run_test(size={size!r}) as pilot:
        while not shown:
            await pilot.pause(0.001)

asyncio.run(main())
"""


def config_import_ms() -> float:
    """What `from rztui.config import Paths` adds in a fresh process (median of 3)."""
    import subprocess

    code = ("import time, sys; sys.path.insert(0, {root!r}); import textual.app; "
            "t = time.perf_counter(); import rztui.config; "
            "print((time.perf_counter() - t) * 1000)")
    root = str(Path(__file__).resolve().parent.parent)
    runs = [float(subprocess.run([sys.executable, "-c", code.format(root=root)], text=True,
                                 capture_output=True, check=True).stdout) for _ in range(3)]
    return statistics.median(runs)


def cold_start(which: str, home: Path) -> float:
    """Seconds from spawning ``python`` to the app's first frame, in a fresh process."""
    import subprocess

    code = CHILD.format(root=str(Path(__file__).resolve().parent.parent), size=SIZE)
    env = {**os.environ, "RZTUI_HOME": str(home)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, which], stdout=subprocess.PIPE,
                            env=env, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("FRAME"):
            elapsed = time.perf_counter() - t0
            break
    else:
        raise RuntimeError(f"{which}: no first frame")
    proc.wait(timeout=60)
    return elapsed


async def main(rows: int, repeats: int) -> None:
    from rztui.demo.dataset import LONG_ID
    from rztui.tui.app import RZApp

    class TimedRZApp(FrameClock, RZApp):
        def __init__(self, **kw) -> None:
            super().__init__(**kw)
            self.frames = []

    home = Path(tempfile.mkdtemp(prefix="rztui-bench-"))
    os.environ["RZTUI_HOME"] = str(home)
    t0 = time.perf_counter()
    store, ids = make_store(home, rows)
    print(f"store: {len(ids):,} tracked, cached interviews ({time.perf_counter() - t0:.1f} s "
          f"to build)")
    now = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

    def rz() -> TimedRZApp:
        return TimedRZApp(store=store, base_url="http://127.0.0.1:9", api_key="rz_bench_key_0000",
                     clock=lambda: now)

    bare, ours = [], []
    for _ in range(repeats):
        bare.append(cold_start("bare", home))
        ours.append(cold_start("rztui", home))
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"start-up to first screen (new process: Python, imports, first frame): bare Textual "
          f"{b * 1000:.0f} ms, rztui {o * 1000:.0f} ms, ratio {o / b:.2f}x (target <= 1.5x; "
          f"median of {repeats})")
    print(f"  + importing rztui.config first (as the CLI does): "
          f"{config_import_ms():.0f} ms more")

    app = rz()
    async with app.run_test(size=SIZE) as pilot:
        table = app.main.interview_list.table
        t0 = time.perf_counter()
        deadline = time.perf_counter() + 60
        while table.row_count < len(ids) and time.perf_counter() < deadline:
            await pilot.pause(0.005)
        rows_ms = (time.perf_counter() - t0) * 1000
        print(f"all {table.row_count:,} rows listed {rows_ms:.0f} ms after the first screen")

        lst = app.main.interview_list
        filtered_at: list[float] = []
        original = lst.set_filter_text

        def timed_set_filter_text(text: str) -> None:
            original(text)
            filtered_at.append(time.perf_counter())

        lst.set_filter_text = timed_set_filter_text  # type: ignore[method-assign]
        lst.filter_input.focus()
        await pilot.pause()
        latency, work = [], []
        for ch in "alex smith":
            t0 = time.perf_counter()
            await pilot.press(ch)
            await pilot.pause()
            while not app.frames or app.frames[-1] < filtered_at[-1]:
                await pilot.pause(0.001)
            latency.append((app.frame_after(filtered_at[-1]) - t0) * 1000)
            work.append((filtered_at[-1] - t0) * 1000)
        shown = table.row_count
        print(f"filter per keystroke (key -> new frame): median "
              f"{statistics.median(latency):.1f} ms, max {max(latency):.1f} ms; filtering "
              f"itself median {statistics.median(work):.1f} ms (typing 'alex smith' over "
              f"{len(ids):,} rows, {shown} match) (target <= 50 ms)")
        await pilot.press("escape")
        await pilot.pause()

        opens = []
        for _ in range(5):
            app.main.open_interview(ids[0])
            await pilot.pause()
            t0 = time.perf_counter()
            app.main.open_interview(LONG_ID)
            opened = time.perf_counter()
            await pilot.pause()
            while not app.frames or app.frames[-1] < opened:
                await pilot.pause(0.001)
            opens.append((app.frame_after(opened) - t0) * 1000)
        chars = sum(len(r.transcript) for r in app.main.current_interview.responses)
        print(f"open a {chars:,}-character interview ({app.main.transcript.line_count:,} lines) "
              f"from the store to its first frame: median {statistics.median(opens):.0f} ms "
              f"(target <= 150 ms)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (target <= 200 MB)")
    store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.repeats))
