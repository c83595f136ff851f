"""Write screenshots/*.svg of the main TUI states from the demo data (deterministic).

Same set-up as the snapshot tests: a real demo server on loopback with a fixed epoch, a
temporary store with the demo interviews cached (as fetched at the frozen "now"), a frozen
clock, a fixed URL in the top bar, and the status poller on a manual clock with seeded jitter.
Run: ``python scripts/make_screenshots.py [name ...]`` (from the repository root).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "tui"))

from conftest import (  # noqa: E402 - the TUI tests' set-up
    FROZEN_NOW,
    ManualClock,
    evaluate_demo,
    ids_with,
    make_app,
    poller_idle,
    settle,
    start_server,
    wait_until,
)

from rztui.demo import dataset as ds  # noqa: E402
from rztui.store import Store  # noqa: E402

OUT = ROOT / "screenshots"
OTHERS = [i for i in ids_with("completed") if i != ds.SPEC_INTERVIEW_ID][:8] + \
    ids_with("in_progress")[1:3] + ids_with("invited")[1:3] + ids_with("expired")[1:2]
LIVE = ds.LIVE_IDS[0]

# name -> (interview shown first, terminal size, extra set-up)
SHOTS: dict[str, tuple[str, tuple[int, int], str]] = {
    "completed": (ds.SPEC_INTERVIEW_ID, (140, 40), ""),
    "completed-80x24": (ds.SPEC_INTERVIEW_ID, (80, 24), ""),
    "in-progress": (ids_with("in_progress")[0], (140, 40), ""),
    "invited": (ids_with("invited")[0], (140, 40), ""),
    "expired": (ids_with("expired")[0], (140, 40), ""),
    "hostile": (ds.HOSTILE_MARKUP_ID, (140, 40), ""),
    "search": (ds.SPEC_INTERVIEW_ID, (140, 40), "search"),
    "search-all": (ds.SPEC_INTERVIEW_ID, (140, 40), "search-all"),
    "compare": (ds.SPEC_INTERVIEW_ID, (140, 40), "compare"),
    "review": (ds.SPEC_INTERVIEW_ID, (140, 40), "review"),
    "export": (ds.SPEC_INTERVIEW_ID, (140, 40), "export"),
    "live": (LIVE, (140, 40), "live"),
    "error": ("demo-internal-error", (140, 40), ""),
    "first-run": (ds.SPEC_INTERVIEW_ID, (140, 40), "no-key"),
    "help": (ds.SPEC_INTERVIEW_ID, (140, 40), "help"),
    "evaluated": (ds.SPEC_INTERVIEW_ID, (140, 40), "evaluated"),
}



async def shoot(name: str, first: str, size: tuple[int, int], extra: str) -> Path:
    server = start_server()
    if extra == "live":
        server.advance(70)  # Ava Thompson has started and given three answers
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "rztui.db")
            ids = [first, *[i for i in OTHERS if i != first]]
            kwargs = {"api_key": None, "find_key": lambda: (None, "none")} \
                if extra == "no-key" else {}
            clock = ManualClock(FROZEN_NOW.timestamp())
            app = make_app(store, server, ids, cache=True, fetched_at=FROZEN_NOW.timestamp(),
                           poll_clock=clock, **kwargs)
            if extra == "evaluated":
                evaluate_demo(store, first, OTHERS)
            # Toasts are off in run_test by default; the live shot is about one.
            async with app.run_test(size=size, notifications=extra == "live") as pilot:
                await settle(pilot, rounds=4)
                if app.service is not None:
                    await poller_idle(pilot, clock)
                if extra == "live":  # the shot is about its toast ("Ava Thompson started")
                    await wait_until(pilot, lambda: app._notifications, what="the toast")
                else:
                    app.clear_notifications()
                if extra == "search":
                    await pilot.press("ctrl+f", *"hooks", "enter", "n")
                elif extra == "search-all":
                    await pilot.press("ctrl+s", *"hooks")
                    screen = app.screen
                    await wait_until(pilot, lambda: screen.hits, what="hits")
                    screen.query_one("#gs-input").cursor_blink = False
                    await pilot.press("down")  # to the hits, then the second hit
                    hits = screen.query_one("#gs-hits")
                    await wait_until(pilot, lambda: hits.has_focus, what="the hits")
                    await pilot.press("down")
                elif extra == "compare":
                    await pilot.press("m")
                    screen = app.screen
                    await wait_until(pilot, lambda: screen.comparison is not None)
                elif extra == "review":
                    await pilot.press("down", "v")
                elif extra == "export":
                    await pilot.press("slash", *"frontend", "enter", "e")
                    app.screen.query_one("#export-path").value = \
                        "~/exports/rztui-export-20250602-090500.csv"
                    app.screen.query_one("#export-path").cursor_blink = False
                elif extra == "help":
                    await pilot.press("question_mark")
                elif extra == "no-key":
                    from textual.widgets import Input

                    app.screen.query_one(Input).cursor_blink = False
                await settle(pilot)
                path = OUT / f"{name}.svg"
                path.write_text(app.export_screenshot(title=f"rztui: {name}"), encoding="utf-8")
            store.close()
    finally:
        server.stop()
    return path


async def main(names: list[str]) -> None:
    from rztui.tui.evaluate import Evaluator

    Evaluator.LOOKED_SECONDS = 3600.0  # nothing counts as read while shooting (deterministic)
    OUT.mkdir(exist_ok=True)
    for name, (first, size, extra) in SHOTS.items():
        if not names or name in names:
            print(await shoot(name, first, size, extra))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
