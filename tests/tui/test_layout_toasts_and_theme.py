"""Day-one polish of the app: few toasts, one pane at a time when narrow, a reading width when
wide, the Add dialog's questions about odd tokens, and the theme and settings from the config.
Driven with Pilot over the real demo server and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, TextArea
from textual.widgets._toast import Toast
from tui_conftest import ids_with, make_app, screen_text, settle, table_of, wait_until

from rztui.config import Paths, Settings
from rztui.demo import dataset as ds
from rztui.tui import clipboard
from rztui.tui.app import MAX_TOASTS
from rztui.tui.screens.add import AddScreen
from rztui.tui.widgets.interview_list import InterviewTable
from rztui.tui.widgets.transcript import TranscriptView

# Every test here drives the whole app through Textual's Pilot: about a second each.
pytestmark = pytest.mark.slow

SPEC = ds.SPEC_INTERVIEW_ID
COMPLETED = [i for i in ids_with("completed") if i != SPEC]


@pytest.fixture(autouse=True)
def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard, "system_copy", lambda _text: (True, None))


def toasts(app) -> list[Toast]:
    return list(app.screen.query(Toast))


def status_text(app) -> str:
    return str(app.main.status_line.render())


# -- toasts ------------------------------------------------------------------------------------


async def test_copies_go_to_the_status_line_and_toasts_never_pile_up(store, server, tmp_path):
    app = make_app(store, server, [SPEC, *COMPLETED[:2]], cache=True,
                   audio_dir=tmp_path / "audio")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y", "c", "A")
        await settle(pilot)
        assert len(toasts(app)) <= MAX_TOASTS
        assert "copied answer 1" in status_text(app)  # the last copy, in the status line
        assert app.clipboard == app.main.reading.interview.responses[0].transcript
        assert not any("copied" in str(n.message) for n in app._notifications)
        # A burst from anywhere (workers, status changes) shows the newest two.
        for i in range(5):
            app.notify(f"burst {i}", markup=False)
        await settle(pilot)
        shown = toasts(app)
        assert 1 <= len(shown) <= MAX_TOASTS
        assert "burst 4" in str(shown[-1].render())
        # The flash ends and the line shows the connection again.
        app.main.status_line.end_flash()
        assert "copied" not in status_text(app)


async def test_the_newest_toasts_are_shown(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        app.clear_notifications()
        app.notify("watch out", severity="error", markup=False, timeout=30)
        for i in range(3):
            app.notify(f"fyi {i}", markup=False)
        await settle(pilot)
        texts = [str(t.render()) for t in toasts(app)]
        assert len(texts) == 2
        assert "fyi 1" in texts[0] and "fyi 2" in texts[1]
        assert [n.message for n in app._notifications] == ["fyi 1", "fyi 2"]


# -- narrow and wide ---------------------------------------------------------------------------


def footer_keys(app) -> list[tuple[str, str]]:
    from textual.widgets._footer import FooterKey

    return [(k.key_display, k.description) for k in app.main.query(FooterKey)]


async def test_narrow_shows_one_pane_at_a_time(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:3]], cache=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        main = app.main
        lst, pane = main.interview_list, main.query_one("#pane")
        assert main.has_class("-narrow")
        assert lst.display and not pane.display and not main.outline.display
        assert lst.size.width == 60
        assert isinstance(app.focused, InterviewTable)
        await pilot.press("down", "enter")  # opens the transcript full width
        await settle(pilot)
        assert not lst.display and pane.display
        assert isinstance(app.focused, TranscriptView)
        assert main.reading.id == COMPLETED[0]
        assert main.transcript.size.width >= 56
        assert any(len(line.strip()) > 40 for line in screen_text(app).splitlines())
        assert ("esc", "List") in footer_keys(app)[:2]  # the way back, at the footer's start
        await pilot.press("escape")  # back to the list, on the same row
        await settle(pilot)
        assert lst.display and not pane.display
        assert table_of(app).current_id == COMPLETED[0]
        assert "List" not in dict(footer_keys(app)).values()  # nothing to go back to
        # Tab goes to the transcript side too; `/` back to the list (its filter box).
        await pilot.press("tab")
        await settle(pilot)
        assert pane.display and not lst.display
        await pilot.press("slash")
        await settle(pilot)
        assert lst.display and not pane.display
        await pilot.press("escape")
        # `v` shows the review in the list's place; Escape goes back.
        await pilot.press("v")
        await settle(pilot)
        review = main.query_one("#review")
        assert review.display and not lst.display
        await pilot.press("escape")
        await settle(pilot)
        assert lst.display and not review.display
        # Wider again: side by side.
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert not main.has_class("-narrow")
        assert lst.display and review.display


async def test_wide_keeps_a_reading_width_and_gives_the_list_the_room(store, server):
    app = make_app(store, server, [SPEC, *COMPLETED[:3]], cache=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        main = app.main
        assert main.has_class("-wide")
        view = main.transcript
        assert view.size.width <= 96
        lines = screen_text(app).splitlines()
        assert max(len(line.rstrip()) for line in lines) <= 96
        assert main.interview_list.size.width > 64  # it had at most 64
        assert main.outline.display


# -- add ---------------------------------------------------------------------------------------


async def test_add_asks_about_tokens_that_do_not_look_like_ids(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    dashboard = f"https://app.round0.io/interviews/{COMPLETED[0]}/results"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, AddScreen)
        dialog.query_one(TextArea).insert(f"hello world!! ;rm -rf {dashboard}")
        await pilot.pause()
        summary = str(dialog.query_one("#add-summary").render())
        assert "1 interview id ready" in summary
        assert "4 tokens don't look like interview ids: hello, world!!, ;rm, -rf" in summary
        only = dialog.query_one("#add-good", Button)
        assert only.display and "Add only the 1 id" in str(only.label)
        await pilot.press("ctrl+s")  # asks first
        await pilot.pause()
        assert app.screen is dialog
        assert "Send them anyway?" in str(dialog.query_one("#add-summary").render())
        assert "Add anyway" in str(dialog.query_one("#add", Button).label)
        dialog.query_one("#add-good", Button).press()  # only the real one
        await settle(pilot)
        assert app.screen is app.main
        tracked = store.tracked_ids()
        assert COMPLETED[0] in tracked
        assert not {"hello", "world!!", ";rm", "-rf"} & set(tracked)
        await wait_until(pilot, lambda: store.row(COMPLETED[0]).status == "completed",
                         what="the new row fetched")


async def test_add_sends_odd_tokens_on_a_second_ctrl_s(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        dialog = app.screen
        dialog.query_one(TextArea).insert(f"custom-abc {COMPLETED[1]} oddone")
        await pilot.pause()
        summary = str(dialog.query_one("#add-summary").render())
        assert "1 token doesn't look like interview ids: oddone" in summary  # custom- is fine
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        # Editing what was asked about asks again.
        dialog.query_one(TextArea).insert(" other")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is app.main
        assert "oddone" in store.tracked_ids() or "Not found" in "\n".join(
            str(n.message) for n in app._notifications)


# -- theme and settings ------------------------------------------------------------------------


async def test_theme_picked_is_saved_to_the_config(store, server):
    config = Paths.resolve().config_file  # under RZTUI_HOME (the store fixture's)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("# mine\nbell = true\n", encoding="utf-8")
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
        await wait_until(pilot, lambda: 'theme = "nord"' in config.read_text(encoding="utf-8"),
                         what="the theme saved")
    text = config.read_text(encoding="utf-8")
    assert "# mine" in text and "bell = true" in text
    assert Settings.load(config).theme == "nord"


async def test_theme_save_failure_is_a_warning(store, server, tmp_path: Path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    app = make_app(store, server, [SPEC], cache=True, config_path=blocker / "config.toml")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.theme = "gruvbox"
        await wait_until(pilot, lambda: any("not saved" in str(n.message)
                                            for n in app._notifications), what="the warning")
        assert app.is_running and app.theme == "gruvbox"


async def test_theme_from_the_config_is_restored_and_not_rewritten(store, server, tmp_path):
    config = tmp_path / "cfg" / "config.toml"
    settings = Settings(theme="dracula")
    app = make_app(store, server, [SPEC], cache=True, settings=settings, config_path=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "dracula"
    assert not config.exists()  # nothing changed: nothing written


async def test_config_warnings_are_shown_in_the_app(store, server):
    settings = Settings.from_toml({"thme": "nord", "bell": "no", "theme": "no-such-theme"})
    assert len(settings.warnings) == 2
    app = make_app(store, server, [SPEC], cache=True, settings=settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        notes = [n for n in app._notifications if n.title == "Settings ignored"]
        assert len(notes) == 1  # one toast for all of them
        text = notes[0].message
        assert "unknown setting 'thme'" in text and "did you mean 'theme'" in text
        assert "bell" in text
        assert "'no-such-theme' is not one of the app's themes" in text
        assert app.theme == "textual-dark"


async def test_footer_keeps_no_stray_letter_after_a_resize(store, server):
    """The palette key (docked right) covers the last column: a key scrolled under it used
    to show one letter there ("^p palettel")."""
    from textual.widgets import Footer

    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for width in (100, 60, 89):
            await pilot.resize_terminal(width, 24)
            await settle(pilot)
            footer = app.main.query_one(Footer)
            assert footer.virtual_size.width <= width  # the keys that do not fit are left out
            widget, _region = app.screen.get_widget_at(width - 1, 23)
            assert widget.has_class("-command-palette"), (width, widget)


async def test_the_footer_leaves_keys_out_whole_and_keeps_quit_and_help(store, server):
    """A narrow footer leaves out its last keys whole, never cutting one mid-word ("q Qui"),
    and always shows how to quit and where every key is."""
    from rztui.tui.widgets.footer import keys_to_drop

    assert keys_to_drop([("a", 5), ("app.help", 7), ("b", 9), ("app.quit", 7)], 20) == {2}
    assert keys_to_drop([("a", 5), ("b", 9)], 20) == set()
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        for width, height in ((200, 40), (120, 35), (80, 24), (60, 20)):
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            footer = app.screen.query_one("FittingFooter")
            keys = list(footer.query("FooterKey"))
            texts = [f"{k.key_display} {k.description}".strip() for k in keys]
            assert "q Quit" in texts and "? Help" in texts, (width, texts)
            assert footer.virtual_size.width <= width, (width, texts)  # nothing scrolled off
            if width == 200:
                assert len(keys) >= 12  # everything fits: nothing left out


async def test_the_no_keyring_advice_is_given_once(store, server):
    from rztui.tui.messages import KeySaved

    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for key in ("rz_live_firstfirstfirst", "rz_live_secondsecond"):
            app.post_message(KeySaved(key, "no keyring backend"))
            await settle(pilot)
        said = [str(n.message) for n in app._notifications if n.title == "No keyring"]
        assert len(said) == 2 and all("not saved" in s for s in said)
        assert sum("ROUNDZERO_API_KEY" in s for s in said) == 1, said


async def test_the_new_count_outlasts_the_webhook_text_when_the_line_is_short(store, server):
    app = make_app(store, server, [SPEC], cache=True)
    async with app.run_test(size=(90, 30)) as pilot:
        await settle(pilot)
        line = app.main.status_line
        line.update_state(new=30, webhooks="listening on 127.0.0.1:8123 (demo sender) · 4 events")
        await pilot.pause()
        text = str(line.render())
        assert "30 new (u)" in text and "webhooks" not in text, text
        await pilot.resize_terminal(200, 30)
        await settle(pilot)
        text = str(line.render())
        assert "30 new (u)" in text and "webhooks: listening" in text, text
