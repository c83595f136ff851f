"""TUI benchmark: the interview list with N tracked, cached interviews, in a real terminal.

Each app runs in its own process on a pseudo-terminal (140x40), as a user would start it; the
figures are taken from what it writes to that terminal, so they include start-up, layout and
drawing. Prints, all measured in this one run:

- time to the first list rows on screen, rztui vs a bare Textual app's first frame (median of
  ``--repeats`` cold starts; target <= 1.5x, and at 100k within 1.2x of the figure at 2k);
- filter latency, typing into the filter box: keystroke -> the new "N of M" count on screen,
  vs a bare Textual Input echoing the same keys (medians; target <= 1.5x);
- RSS of the rztui process once every row is loaded, and after filtering (target <= 150 MB).

Run: ``python benchmarks/tui.py --rows 100000`` (default 2000; ``--verbose``: every keystroke).
Building a store of 100k interviews takes a minute or two: ``--store-dir DIR`` keeps it and uses
it again next time (``benchmarks/tui_tmux.py DIR`` then measures the same in tmux).
rztui starts as the ``rztui`` command does (CLI, then app; ``RZTUI_HOME`` is the store's home).
No network: every interview is cached in the store and the client points at a closed port.
Not a timed test; figures vary by machine.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLS, LINES = 140, 40
# Bulk candidates' names, typed one after the other (the filter cleared between): the counts
# shrink as each is typed. Three names give a dozen keystrokes that change the count.
TYPED = ("quinn novak", "mei kaur", "tariq rossi")
# CSI / OSC / other escape sequences: stripped to find text on the screen.
_ESCAPES = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")

BARE = r"""
import sys
from textual.app import App
from textual.widgets import Footer, Input, Static

class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Input(id="echo")
        yield Footer()
Bare().run()
"""

RZTUI = r"""
import os, runpy, sys
sys.path.insert(0, {root!r})
# The rztui command as a user starts it (the CLI, then the app), with the key in the environment
# (no keyring) and the API at a closed port: every interview is cached, nothing needs the network.
os.environ.update(ROUNDZERO_API_KEY="rz_bench_key_0000", ROUNDZERO_BASE_URL="http://127.0.0.1:9")
sys.argv = ["rztui"]
runpy.run_module("rztui", run_name="__main__")
"""


class Terminal:
    """A program on a pseudo-terminal (Textual draws on stderr); ``wait_for`` reads what it
    writes until a text shows."""

    def __init__(self, code: str, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLS, 0, 0))
        self.master = master
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(LINES)},
            start_new_session=True, close_fds=True)
        os.close(slave)
        self.text = ""  # everything written since the last mark, escapes removed
        self._raw = b""

    def mark(self) -> float:
        self.text = ""
        return time.perf_counter()

    def send(self, keys: str) -> float:
        t = self.mark()
        os.write(self.master, keys.encode())
        return t

    def wait_for(self, found: Callable[[str], bool], timeout: float = 60.0) -> float:
        """Read until ``found(text since the mark)``; the time it showed."""
        deadline = time.perf_counter() + timeout
        while not found(self.text):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"not on the screen: {self.text[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:
                    raise TimeoutError("the program ended") from None
                self._raw += chunk
                # Keep an escape sequence split across reads for the next one.
                cut = self._raw.rfind(b"\x1b")
                keep = self._raw[cut:] if cut >= 0 and len(self._raw) - cut < 64 else b""
                done = self._raw[: len(self._raw) - len(keep)]
                self._raw = keep
                self.text += _ESCAPES.sub("", done.decode("utf-8", "replace"))
        return time.perf_counter()

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            if select.select([self.master], [], [], left)[0]:
                try:
                    os.read(self.master, 1 << 16)
                except OSError:
                    return

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def build_store(home: Path, rows: int) -> tuple[int, float]:
    """``rows`` tracked, cached interviews in ``home``; (rows, seconds to build, 0 if kept)."""
    from rztui.demo.dataset import LONG_ID, Dataset
    from rztui.store import Store

    path = home / "data" / "rztui.db"
    if path.exists():
        store = Store(path)
        have = len(store.tracked_ids())
        store.close()
        if have == rows:
            return have, 0.0
        shutil.rmtree(home / "data")
    t0 = time.perf_counter()
    data = Dataset(extra_completed=rows - 1)
    ids = data.bulk_ids + [LONG_ID]
    store = Store(path)
    store.track(ids)
    for start in range(0, len(ids), 5000):
        store.save_interviews(data.snapshot(i) for i in ids[start:start + 5000])
    store.close()
    return len(ids), time.perf_counter() - t0


def first_row_pattern(home: Path) -> re.Pattern[str]:
    """The first list row as the screen shows it: status, then the name on the same line (the
    transcript shows the status alone on its line)."""
    from rztui.store import Store
    from rztui.store.listing import LISTED, first_page

    store = Store(home / "data" / "rztui.db")
    row = first_page(store, 1)[0]
    store.close()
    return re.compile(r"● completed +" + re.escape(row[LISTED.index("candidate_name")] or ""))


def expected_counts(home: Path, typed: str) -> list[int]:
    """How many rows match after each keystroke of ``typed`` (the list's own filter)."""
    from rztui.store import Store
    from rztui.store.listing import load_index

    store = Store(home / "data" / "rztui.db")
    index = load_index(store)
    store.close()
    order = index.order()  # by date added
    return [len(index.select(order, None, typed[:n].split()).rows)
            for n in range(1, len(typed) + 1)]


def compile_sources() -> None:
    """Byte-compile rztui, as installing it does: a checkout run with PYTHONDONTWRITEBYTECODE
    would compile every module at each start (~0.25 s here), which the bare app (Textual,
    installed) never does. ``__pycache__`` is ignored by git."""
    import compileall

    compileall.compile_dir(str(ROOT / "rztui"), quiet=1)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="every keystroke's figures")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="keep the store here and use it again (it takes a while at 100k)")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not byte-compile rztui first (each start compiles it)")
    args = parser.parse_args()
    if not args.no_compile:
        compile_sources()

    home = args.store_dir or Path(tempfile.mkdtemp(prefix="rztui-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    rows, built = build_store(home, args.rows)
    print(f"store: {rows:,} tracked, cached interviews"
          + (f" ({built:.0f} s to build)" if built else " (kept from an earlier run)"))
    env = {**os.environ, "RZTUI_HOME": str(home)}
    first_row = first_row_pattern(home)
    total = f" of {rows:,} "

    # -- 1. first rows on screen, cold start ----------------------------------------------------
    bare, ours = [], []
    for _ in range(args.repeats):
        term = Terminal(BARE, env)
        try:
            bare.append(term.wait_for(lambda text: "hello" in text) - term.started)
        finally:
            term.close()
        term = Terminal(RZTUI.format(root=str(ROOT)), env)
        try:
            ours.append(term.wait_for(lambda text: bool(first_row.search(text))) - term.started)
        finally:
            term.close()
    b, o = median(bare), median(ours)
    print(f"first list rows on screen (new process: Python, imports, first frame): bare Textual "
          f"app {b * 1000:.0f} ms, rztui {o * 1000:.0f} ms, ratio {o / b:.2f}x "
          f"(target <= 1.5x; median of {args.repeats})")

    # -- 2. RSS once loaded; filter keystroke -> new count on screen ---------------------------
    counts = {word: expected_counts(home, word) for word in TYPED}
    term = Terminal(RZTUI.format(root=str(ROOT)), env)
    try:
        t0 = term.mark()
        loaded = term.wait_for(lambda text: total in text)
        term.drain(1.0)
        rss_loaded = term.rss_mb()
        print(f"every row loaded {(loaded - t0) * 1000:.0f} ms after start; RSS then "
              f"{rss_loaded:.0f} MB (target <= 150 MB)")
        count_ms, echo_ms, inline_ms = [], [], []
        from rztui.tui.widgets.interview_list import InterviewList  # its inline limit
        for word in TYPED:
            term.send("/")
            term.drain(0.5)
            previous = rows
            for n, ch in enumerate(word, start=1):
                shown = word[:n].rstrip()
                want = f"{counts[word][n - 1]:,}{total}"
                t = term.send(ch)
                echo_ms.append((term.wait_for(lambda text, s=shown: s in text) - t) * 1000)
                if counts[word][n - 1] != previous:
                    count_ms.append((term.wait_for(lambda text, w=want: w in text) - t) * 1000)
                    if previous <= InterviewList.SYNC_ROWS:  # rows looked at: those shown
                        inline_ms.append(count_ms[-1])
                    if args.verbose:
                        print(f"  {word[:n]!r}: {counts[word][n - 1]:,} rows, count on screen "
                              f"after {count_ms[-1]:.0f} ms (echo {echo_ms[-1]:.0f} ms)")
                previous = counts[word][n - 1]
                term.drain(0.2)
            term.send("\x1b")  # Escape: the filter cleared, every row again
            term.wait_for(lambda text: f"{rows:,}{total}" in text)
            term.drain(0.5)
        rss_after = term.rss_mb()
    finally:
        term.close()

    term = Terminal(BARE, env)
    try:
        term.wait_for(lambda text: "hello" in text)
        term.drain(0.5)
        bare_echo = []
        for word in TYPED:
            for n, ch in enumerate(word, start=1):
                shown = word[:n].rstrip()
                t = term.send(ch)
                bare_echo.append((term.wait_for(lambda text, s=shown: s in text) - t) * 1000)
                term.drain(0.2)
            term.send("\x15")  # ctrl+u: the box emptied
            term.drain(0.5)
    finally:
        term.close()
    c, e, be = median(count_ms), median(echo_ms), median(bare_echo)
    print(f"filter keystroke -> new count on screen (typing {', '.join(TYPED)} over {rows:,} "
          f"rows; {len(count_ms)} keystrokes change the count): median {c:.0f} ms, max "
          f"{max(count_ms):.0f} ms; its echo in "
          f"the filter box {e:.0f} ms; a bare Textual Input's echo {be:.0f} ms; ratio "
          f"{c / be:.2f}x (target <= 1.5x)")
    print(f"  of which {len(inline_ms)} look at up to {InterviewList.SYNC_ROWS:,} rows (inline): "
          f"median {median(inline_ms):.0f} ms ({median(inline_ms) / be:.2f}x); the other "
          f"{len(count_ms) - len(inline_ms)} run in a worker")
    print(f"RSS after filtering: {rss_after:.0f} MB")
    if args.store_dir is None:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
