"""Write screenshots/*.svg of the main TUI states from the demo data (deterministic).

Same set-up as the snapshot tests: a real demo server on loopback with a fixed epoch, a
temporary store with the demo interviews cached, a frozen clock, and a fixed URL in the top bar.
Run: ``python scripts/make_screenshots.py`` (from the repository root).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_tui_helpers import ids_with, make_app, settle, start_server  # noqa: E402

from rztui.demo import dataset as ds  # noqa: E402
from rztui.store import Store  # noqa: E402

OUT = ROOT / "screenshots"
OTHERS = [i for i in ids_with("completed") if i != ds.SPEC_INTERVIEW_ID][:8] + \
    ids_with("in_progress")[1:3] + ids_with("invited")[1:3] + ids_with("expired")[1:2]

# name -> (interview shown first, terminal size, extra set-up)
SHOTS: dict[str, tuple[str, tuple[int, int], str]] = {
    "completed": (ds.SPEC_INTERVIEW_ID, (140, 40), ""),
    "completed-80x24": (ds.SPEC_INTERVIEW_ID, (80, 24), ""),
    "in-progress": (ids_with("in_progress")[0], (140, 40), ""),
    "invited": (ids_with("invited")[0], (140, 40), ""),
    "expired": (ids_with("expired")[0], (140, 40), ""),
    "hostile": (ds.HOSTILE_MARKUP_ID, (140, 40), ""),
    "search": (ds.SPEC_INTERVIEW_ID, (140, 40), "search"),
    "error": ("demo-internal-error", (140, 40), ""),
    "first-run": (ds.SPEC_INTERVIEW_ID, (140, 40), "no-key"),
    "help": (ds.SPEC_INTERVIEW_ID, (140, 40), "help"),
}


async def shoot(name: str, first: str, size: tuple[int, int], extra: str) -> Path:
    server = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "rztui.db")
            ids = [first, *[i for i in OTHERS if i != first]]
            kwargs = {"api_key": None, "find_key": lambda: (None, "none")} \
                if extra == "no-key" else {}
            app = make_app(store, server, ids, cache=True, **kwargs)
            async with app.run_test(size=size) as pilot:
                await settle(pilot, rounds=4)
                app.clear_notifications()
                if extra == "search":
                    await pilot.press("ctrl+f", *"hooks", "enter", "n")
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


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (first, size, extra) in SHOTS.items():
        print(await shoot(name, first, size, extra))


if __name__ == "__main__":
    asyncio.run(main())
