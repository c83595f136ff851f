"""The interview list timed in tmux, as a person sees it: ``send-keys`` to type, ``capture-pane``
polled every few ms to read the screen (so each figure includes tmux's own redraw).

Prints, for rztui and a bare Textual app started the same way: time to the first list rows
(``hello`` for the bare app), and keystroke -> new "N of M" count (rztui) or echo (bare Input).
Needs ``tmux``. Use a store built by ``benchmarks/tui.py --store-dir DIR --rows N``:

    python benchmarks/tui_tmux.py DIR [--repeats 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tui import (  # noqa: E402
    BARE,
    RZTUI,
    TYPED,
    compile_sources,
    expected_counts,
    first_row_pattern,
)

SESSION = "rztui-bench"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait(found: Callable[[str], bool], timeout: float = 60.0) -> float:
    deadline = time.perf_counter() + timeout
    while True:
        if found(screen()):
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise TimeoutError(screen()[-400:])
        time.sleep(0.003)


def start(code: str, home: Path) -> float:
    tmux("kill-session", "-t", SESSION)
    script = home / "bench_child.py"
    script.write_text(code)
    t0 = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", "140", "-y", "40",
         f"RZTUI_HOME={home} TERM=xterm-256color {sys.executable} {script}")
    return t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store_dir", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    compile_sources()  # as installing does (see benchmarks/tui.py)
    home = args.store_dir.resolve()
    rz_code = RZTUI.format(root=str(ROOT))
    pattern = first_row_pattern(home)
    counts = {word: expected_counts(home, word) for word in TYPED}
    conn = sqlite3.connect(home / "data" / "rztui.db")
    total = conn.execute("SELECT count(*) FROM tracked").fetchone()[0]
    conn.close()
    try:
        bare, ours = [], []
        for _ in range(args.repeats):
            t0 = start(BARE, home)
            bare.append(wait(lambda s: "hello" in s) - t0)
            t0 = start(rz_code, home)
            ours.append(wait(lambda s: bool(pattern.search(s))) - t0)
        b, o = statistics.median(bare), statistics.median(ours)
        print(f"first list rows: bare {b * 1000:.0f} ms, rztui {o * 1000:.0f} ms, "
              f"{o / b:.2f}x (median of {args.repeats})")

        start(rz_code, home)
        of = f" of {total:,} "
        wait(lambda s: of in s and "loading" not in s)
        time.sleep(1.0)
        lag = []
        for word in TYPED:
            tmux("send-keys", "-t", SESSION, "/")
            time.sleep(0.3)
            previous = total
            for n, ch in enumerate(word, start=1):
                want = f"{counts[word][n - 1]:,}{of}"
                t0 = time.perf_counter()
                tmux("send-keys", "-t", SESSION, "-l", ch)
                if counts[word][n - 1] != previous:
                    lag.append(wait(lambda s, w=want: w in s) - t0)
                previous = counts[word][n - 1]
                time.sleep(0.25)
            tmux("send-keys", "-t", SESSION, "Escape")  # the filter cleared: every row again
            wait(lambda s: f"{total:,}{of}" in s)
            time.sleep(0.5)
        start(BARE, home)
        wait(lambda s: "hello" in s)
        time.sleep(0.5)
        echo = []
        for word in TYPED:
            for n, ch in enumerate(word, start=1):
                shown = word[:n].rstrip()
                t0 = time.perf_counter()
                tmux("send-keys", "-t", SESSION, "-l", ch)
                echo.append(wait(lambda s, x=shown: x in s) - t0)
                time.sleep(0.25)
            tmux("send-keys", "-t", SESSION, "C-u")  # the box emptied
            time.sleep(0.5)
        c, e = statistics.median(lag), statistics.median(echo)
        print(f"filter keystroke -> new count: median {c * 1000:.0f} ms (max "
              f"{max(lag) * 1000:.0f}; {len(lag)} keystrokes); bare Input echo "
              f"{e * 1000:.0f} ms; {c / e:.2f}x")
    finally:
        tmux("kill-session", "-t", SESSION)


if __name__ == "__main__":
    main()
