"""``P``: listen to the focused answer; ``P`` again stops it (see :mod:`rztui.answers.player`).

Finding the source may take a request (a stale audio URL is fetched again), so it runs in a
worker; the player runs as its own process group, checked twice a second so the status line
says when it ends. The player is stopped when the app exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.timer import Timer

from ..api.errors import RZError
from ..textsafe import clean_line

if TYPE_CHECKING:
    from ..answers.player import Playback
    from .context import AppContext, Hooks, Reading
    from .widgets.status_line import StatusLine
    from .widgets.transcript import TranscriptView


class Listening:
    """The main screen's audio player: at most one answer plays at a time."""

    def __init__(self, ctx: AppContext, reading: Reading, hooks: Hooks, *,
                 view: Callable[[], TranscriptView], status_line: StatusLine) -> None:
        self.ctx = ctx
        self.reading = reading
        self.hooks = hooks
        self._view = view
        self.status_line = status_line
        self.playback: Playback | None = None
        self._timer: Timer | None = None

    def _show(self, text: str | None) -> None:
        self.status_line.update_state(playing=text or "")

    @property
    def playing(self) -> bool:
        return self.playback is not None and self.playback.running()

    def toggle(self) -> None:
        if self.playing:
            self.stop()
            return
        interview = self.reading.interview
        if interview is None or not interview.responses:
            self.hooks.notify("No answer to play.", severity="warning", markup=False,
                              timeout=3)
            return
        index = self._view().current_response
        if index is None or index >= len(interview.responses):
            index = 0
        response = interview.responses[index]
        name = clean_line(interview.candidate.name) or interview.id
        label = f"Q{index + 1} of {name}"
        self._show(f"finding the audio of {label}…")
        self.hooks.run_worker(self._start(interview.id, response.question_id, label),
                          group="play", exclusive=True, exit_on_error=False)

    async def _start(self, iid: str, question_id: str, label: str) -> None:
        # Imported on first use: the player's URL checks pull in the HTTP stack, which the
        # first frame does not need.
        from ..answers.player import Playback, PlayerError, find_player, playable_source

        service = self.ctx.service_or_cache()
        try:
            source, _response = await playable_source(service, iid, question_id)
            command = find_player(source, configured=self.ctx.settings.player)
            playback = await asyncio.to_thread(Playback, command, label)
        except PlayerError as exc:
            self._show(None)
            self.hooks.notify(exc.message, title="Cannot play", severity="warning",
                               markup=False)
            return
        except RZError as exc:
            self._show(None)
            self.hooks.notify(f"Cannot play {label}: {exc.message}", severity="error",
                               markup=False)
            return
        except OSError as exc:  # the player could not be started
            self._show(None)
            self.hooks.notify(f"Cannot start the player: {exc}", severity="error",
                               markup=False)
            return
        self.playback = playback
        how = "P stops" if command.stoppable else f"handed to {command.name}"
        self._show(f"▶ {label} · {command.name} · {how}")
        if self._timer is None:
            self._timer = self.hooks.set_interval(0.5, self._check)

    def _check(self) -> None:
        playback = self.playback
        if playback is None or playback.running():
            return
        self.playback = None
        self._stop_checking()
        code = playback.returncode
        if playback.command.stoppable and code not in (0, None, -15):
            self.hooks.notify(f"{playback.command.name} stopped with exit code {code}: "
                               f"{playback.label} may not have played.", severity="warning",
                               markup=False)
        self._show(None)

    def _stop_checking(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def stop(self, *, wait: bool = False) -> None:
        """Stop the player: in a thread (it may take a moment to end), or right here with
        ``wait`` (the app is exiting)."""
        playback, self.playback = self.playback, None
        self._stop_checking()
        if wait:  # the screen is going away: nothing to show
            if playback is not None:
                playback.stop()
            return
        self._show(None)
        if playback is not None:
            self.hooks.run_worker(asyncio.to_thread(playback.stop), group="play-stop",
                                   exit_on_error=False)
