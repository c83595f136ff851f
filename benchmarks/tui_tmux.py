"""The interview list timed in tmux, as a person sees it: ``send-keys`` to type, ``capture-pane``
polled every few ms to read the screen (so each figure includes tmux's own redraw).

Prints, for the installed ``rztui`` command and a bare Textual app (one Static, one Input)
started the same way: time to the first list row (``hello`` for the bare app), measured as
``benchmarks/startup_tmux.py`` does (alternating runs, tmux server kept up, medians), and
keystroke -> new "N of M" count (rztui) or echo (bare Input).
Needs ``tmux``. Use a store built by ``benchmarks/tui.py --store-dir DIR --rows N``:

    python benchmarks/tui_tmux.py DIR [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup_tmux import (  # noqa: E402
    BARE_APP,
    ENV,
    RUN,
    measure,
    rztui_command,
    start,
    start_server,
    stop_server,
    tmux,
    wait,
)
from tui import TYPED, expected_counts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store_dir", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--command", default=None,
                        help="how rztui is started (default: the installed rztui command)")
    args = parser.parse_args()
    home = args.store_dir.resolve()
    rztui = rztui_command(args.command)
    work = Path(tempfile.mkdtemp(prefix="rztui-bare-"))
    (work / "bare_app.py").write_text(BARE_APP)
    bare = [sys.executable, str(work / "bare_app.py")]
    env = {**ENV, "RZTUI_HOME": str(home)}
    counts = {word: expected_counts(home, word) for word in TYPED}
    conn = sqlite3.connect(home / "data" / "rztui.db")
    total = conn.execute("SELECT count(*) FROM tracked").fetchone()[0]
    conn.close()
    start_server()
    try:
        times = measure(home, args.repeats, {"rztui": rztui}, bare)
        b, o = statistics.median(times["bare"]), statistics.median(times["rztui"])
        print(f"first list row: bare {b * 1000:.0f} ms, rztui {o * 1000:.0f} ms, "
              f"{o / b:.2f}x (median of {args.repeats})")

        start(rztui, env)
        of = f" of {total:,} "
        wait(lambda s: of in s and "loading" not in s)
        time.sleep(1.0)
        lag = []
        for word in TYPED:
            tmux("send-keys", "-t", RUN, "/")
            time.sleep(0.3)
            previous = total
            for n, ch in enumerate(word, start=1):
                want = f"{counts[word][n - 1]:,}{of}"
                t0 = time.perf_counter()
                tmux("send-keys", "-t", RUN, "-l", ch)
                if counts[word][n - 1] != previous:
                    lag.append(wait(lambda s, w=want: w in s) - t0)
                previous = counts[word][n - 1]
                time.sleep(0.25)
            tmux("send-keys", "-t", RUN, "Escape")  # the filter cleared: every row again
            wait(lambda s: f"{total:,}{of}" in s)
            time.sleep(0.5)
        start(bare, env)
        wait(lambda s: "hello" in s)
        time.sleep(0.5)
        echo = []
        for word in TYPED:
            for n, ch in enumerate(word, start=1):
                shown = word[:n].rstrip()
                t0 = time.perf_counter()
                tmux("send-keys", "-t", RUN, "-l", ch)
                echo.append(wait(lambda s, x=shown: x in s) - t0)
                time.sleep(0.25)
            tmux("send-keys", "-t", RUN, "C-u")  # the box emptied
            time.sleep(0.5)
        c, e = statistics.median(lag), statistics.median(echo)
        print(f"filter keystroke -> new count: median {c * 1000:.0f} ms (max "
              f"{max(lag) * 1000:.0f}; {len(lag)} keystrokes); bare Input echo "
              f"{e * 1000:.0f} ms; {c / e:.2f}x")
    finally:
        stop_server()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
