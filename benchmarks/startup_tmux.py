"""Start-up as a user feels it: the installed ``rztui`` command in tmux (140x40), from the
command to the first list row on the screen, against a bare Textual app (one ``Static``, one
``Input``) started the same way.

Each run starts the program in a new tmux session and polls ``capture-pane`` until the text
shows: the bare app's ``hello``, rztui's first list row (its status, then its candidate's name
on the same line). Runs alternate (bare, rztui; then rztui, bare; ...), so both see the same
load; prints each side's median and the ratio, for each store size.

The tmux server runs on its own socket and stays up between runs (a session kept open): a
server started per run would add its own start-up to both sides and hide part of the ratio.
rztui runs as installed (the ``rztui`` script next to this Python, or ``--command``), with the
store in ``RZTUI_HOME``, the key in ``ROUNDZERO_API_KEY`` and the API at a closed port: every
interview is cached, nothing needs the network. rztui is byte-compiled first, as installing it
does (an editable install under ``PYTHONDONTWRITEBYTECODE`` compiles every module at each start).

    python benchmarks/startup_tmux.py --rows 2000 100000 --repeats 7 [--store-dir DIR]

Stores are built as ``benchmarks/tui.py`` builds them and kept under ``--store-dir`` (a 100k
store takes a minute or two the first time). Needs ``tmux``. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

COLS, LINES = 140, 40
SOCKET = f"rztui-startup-{os.getpid()}"  # a server of our own: never another user's sessions
KEEPER = "keeper"  # keeps the server up between runs
RUN = "run"
POLL_SECONDS = 0.005
ENV = {
    "TERM": "xterm-256color",
    "ROUNDZERO_API_KEY": "rz_bench_key_0000",
    "ROUNDZERO_BASE_URL": "http://127.0.0.1:9",
}

BARE_APP = """\
from textual.app import App
from textual.widgets import Input, Static


class Bare(App):
    def compose(self):
        yield Static("hello")
        yield Input()


Bare().run()
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", *args],
                          capture_output=True, text=True, check=False).stdout


def screen(session: str = RUN) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def start_server() -> None:
    tmux("kill-server")
    tmux("new-session", "-d", "-s", KEEPER, "-x", str(COLS), "-y", str(LINES), "sleep 100000")


def stop_server() -> None:
    tmux("kill-server")


def start(argv: list[str], env: dict[str, str]) -> float:
    """Start ``argv`` in a fresh 140x40 session; the time just before tmux is asked to."""
    tmux("kill-session", "-t", RUN)
    command = " ".join(["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                        *map(shlex.quote, argv)])
    t0 = time.perf_counter()
    tmux("new-session", "-d", "-s", RUN, "-x", str(COLS), "-y", str(LINES), command)
    return t0


def wait(found: Callable[[str], bool], timeout: float = 60.0) -> float:
    """Poll the screen until ``found(screen)``; the time it was seen."""
    deadline = time.perf_counter() + timeout
    while True:
        text = screen()
        if found(text):
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not on the screen:\n{text}")
        time.sleep(POLL_SECONDS)


def first_row_pattern(home: Path) -> re.Pattern[str]:
    """The first list row as the screen shows it: status glyph and word, then the name on the
    same line. (The transcript pane shows the status alone on its line, never followed by the
    name, so it cannot match first.)"""
    from rztui.store import Store
    from rztui.store.listing import LISTED, first_page

    store = Store(home / "data" / "rztui.db")
    name = first_page(store, 1)[0][LISTED.index("candidate_name")] or ""
    store.close()
    return re.compile(r"● completed +" + re.escape(name[:8]))  # a long name is cut short


def rztui_command(given: str | None) -> list[str]:
    if given:
        return shlex.split(given)
    script = Path(sys.executable).with_name("rztui")
    found = str(script) if script.exists() else shutil.which("rztui")
    if not found:
        raise SystemExit("no rztui command: `pip install -e .` first, or give --command")
    return [found]


def measure(home: Path, repeats: int, commands: dict[str, list[str]],
            bare: list[str]) -> dict[str, list[float]]:
    """Seconds to the first row for each of ``commands`` (label -> argv) and to ``hello`` for
    the bare app (label ``bare``), ``repeats`` runs each, in rotating order."""
    env = {**ENV, "RZTUI_HOME": str(home)}
    pattern = first_row_pattern(home)
    sides: dict[str, tuple[list[str], Callable[[str], bool]]] = {
        "bare": (bare, lambda s: "hello" in s)}
    for label, argv in commands.items():
        sides[label] = (argv, lambda s: bool(pattern.search(s)))
    times: dict[str, list[float]] = {label: [] for label in sides}
    # One start of each first, not counted: files into the page cache, the server warm.
    for argv, found in sides.values():
        start(argv, env)
        wait(found)
    labels = list(sides)
    for n in range(repeats):
        for label in labels[n % len(labels):] + labels[:n % len(labels)]:
            argv, found = sides[label]
            t0 = start(argv, env)
            times[label].append(wait(found) - t0)
            tmux("kill-session", "-t", RUN)
            time.sleep(0.2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 100000])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="keep the stores here (DIR/rows-N) and use them again")
    parser.add_argument("--command", default=None,
                        help="how rztui is started (default: the installed rztui command)")
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=COMMAND",
                        help="another rztui to time in the same runs (e.g. an older commit)")
    parser.add_argument("--verbose", action="store_true", help="every run's figures")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux")

    from tui import build_store, compile_sources

    compile_sources()  # byte-compiled, as installing does (see benchmarks/tui.py)

    base = args.store_dir or Path(tempfile.mkdtemp(prefix="rztui-startup-"))
    work = Path(tempfile.mkdtemp(prefix="rztui-bare-"))
    bare_script = work / "bare_app.py"
    bare_script.write_text(BARE_APP)
    rztui = rztui_command(args.command)
    bare = [sys.executable, str(bare_script)]
    print(f"rztui: {shlex.join(rztui)}; bare: {shlex.join(bare)}; tmux {COLS}x{LINES}, "
          f"{args.repeats} runs each, alternating")
    start_server()
    try:
        for rows in args.rows:
            home = base / f"rows-{rows}"
            home.mkdir(parents=True, exist_ok=True)
            have, built = build_store(home, rows)
            commands = {"rztui": rztui}
            for also in args.also:
                label, _, command = also.partition("=")
                commands[label] = shlex.split(command)
            times = measure(home, args.repeats, commands, bare)
            mb = statistics.median(times["bare"])
            if args.verbose:
                for label, values in times.items():
                    print(f"  {label:>12} " + " ".join(f"{t * 1000:.0f}" for t in values))
            for label in commands:
                mo = statistics.median(times[label])
                print(f"{have:>7,} tracked: {label}: first list row {mo * 1000:.0f} ms, bare app "
                      f"{mb * 1000:.0f} ms, {mo / mb:.2f}x (medians; target <= 1.5x)"
                      + (f"  [store built in {built:.0f} s]" if built else ""))
    finally:
        stop_server()
        shutil.rmtree(work, ignore_errors=True)
        if args.store_dir is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
