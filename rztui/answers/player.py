"""Listen to an answer: pick a local audio player and run it on the answer's recording.

* The source is the archived file when there is one, else the answer's pre-signed URL, fetched
  again first when it is past its 24 h (:func:`rztui.files.audio_names.url_expired`).
* The player gets the file path or the URL and nothing else: no Authorization header, no API key
  (``ROUNDZERO_*`` variables are removed from its environment), so the key never reaches the
  player or the audio host. A URL must be http(s) on a host the audio client could fetch from
  (no private or link-local address unless the API is on one), with no control characters, so a
  hostile payload cannot turn it into a player option or a local file.
* Players, first found on PATH wins: the ``player`` command from the config (``{}`` is replaced
  by the file or URL, else it is appended), ``mpv``, ``ffplay``, then for local files only
  ``paplay``/``aplay`` (wav) and ``afplay`` (macOS), else ``xdg-open``/``open`` (which hand the
  audio to the desktop and cannot be stopped from here).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..api.errors import AddressRefused, RZError
from ..api.models import Interview, Response
from ..api.netguard import AddressPolicy
from ..files.audio_names import url_expired
from ..service import Service
from ..textsafe import clean_line

Which = Callable[[str], str | None]


class PlayerError(RZError):
    """Nothing can play this answer (no player, no audio, an unsafe URL)."""


@dataclass(frozen=True)
class PlayerCommand:
    """How to run a player: ``argv`` with the source in place, and whether ``stop`` works."""

    name: str
    argv: list[str]
    stoppable: bool = True


# name, arguments before the source, plays URLs, only these file types (None: any), platform
_CANDIDATES: tuple[tuple[str, tuple[str, ...], bool, frozenset[str] | None, str | None], ...] = (
    ("mpv", ("--no-video", "--really-quiet", "--no-terminal", "--"), True, None, None),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error"), True, None, None),
    ("paplay", (), False, frozenset({"wav"}), None),
    ("aplay", ("-q",), False, frozenset({"wav"}), None),
    ("afplay", (), False, None, "darwin"),
    ("xdg-open", (), True, None, "linux"),
    ("open", (), True, None, "darwin"),
)

_DETACHING = {"xdg-open", "open"}


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def find_player(
    source: str,
    *,
    configured: str | None = None,
    which: Which = shutil.which,
    platform: str = sys.platform,
) -> PlayerCommand:
    """The command that plays ``source`` (a local path or an http(s) URL); PlayerError naming
    what was looked for when there is none."""
    if configured:
        try:
            words = shlex.split(configured)
        except ValueError as exc:
            raise PlayerError(f"the player command in the config cannot be read: {exc}") from exc
        if not words:
            raise PlayerError("the player command in the config is empty")
        found = which(words[0])
        if found is None:
            raise PlayerError(f"the player {words[0]!r} from the config is not on PATH")
        if any("{}" in w for w in words[1:]):
            argv = [found, *(w.replace("{}", source) for w in words[1:])]
        else:
            argv = [found, *words[1:], source]
        return PlayerCommand(Path(words[0]).name, argv)
    ext = Path(urlsplit(source).path if _is_url(source) else source).suffix.lower().lstrip(".")
    tried: list[str] = []
    for name, args, plays_urls, kinds, only_on in _CANDIDATES:
        if only_on is not None and not platform.startswith(only_on):
            continue
        if _is_url(source) and not plays_urls:
            continue
        if kinds is not None and ext not in kinds:
            continue
        tried.append(name)
        found = which(name)
        if found:
            return PlayerCommand(name, [found, *args, source], name not in _DETACHING)
    what = "a URL" if _is_url(source) else f"a .{ext or '?'} file"
    raise PlayerError(
        f"no audio player found for {what} (looked for {', '.join(tried) or 'none'}): install "
        "mpv or ffplay, or set player = \"COMMAND\" in the config"
    )


def check_url(url: str, *, api_base: str | None = None) -> str:
    """``url`` when a player may be given it; PlayerError otherwise."""
    if any(ord(c) < 32 or ord(c) == 127 for c in url) or not _is_url(url):
        raise PlayerError("the answer's audio URL is not an http(s) URL")
    parts = urlsplit(url)
    if not parts.hostname:
        raise PlayerError("the answer's audio URL has no host")
    if parts.scheme == "http" and not (api_base or "").startswith("http://"):
        raise PlayerError("the answer's audio URL is not https")
    return url


def player_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a player: this one without the API key or anything ROUNDZERO."""
    env = dict(os.environ if environ is None else environ)
    for key in list(env):
        if key.upper().startswith(("ROUNDZERO_", "RZTUI_KEY")):
            del env[key]
    return env


def answer_response(interview: Interview, question_id: str | None) -> Response:
    """The response to ``question_id`` (the first answer when None)."""
    for r in interview.responses:
        if question_id is None or r.question_id == question_id:
            return r
    raise PlayerError("this interview has no answer to that question yet")


def archived_file(records: list[dict[str, object]], question_id: str) -> Path | None:
    """The archived recording of ``question_id`` when it is still on disk."""
    for rec in records:
        if rec.get("question_id") == question_id:
            path = Path(str(rec.get("path", "")))
            if path.is_absolute() and path.is_file():
                return path
    return None


def needs_fresh_url(response: Response, fetched_at: float | None,
                    *, now: float | None = None) -> bool:
    return response.audio_url is None or url_expired(response.audio_url, fetched_at, now=now)


async def playable_source(
    service: Service, iid: str, question_id: str | None, *, now: float | None = None
) -> tuple[str, Response]:
    """What to give the player for the answer to ``question_id`` of ``iid`` (the first answer
    when None), and that answer: the archived file (no request at all), else a current audio
    URL, the interview fetched again when the cached URL is past its lifetime."""
    store = service.store
    interview = store.get_interview(iid) or await service.interview(iid)
    response = answer_response(interview, question_id)
    path = archived_file(store.archived(iid), response.question_id)
    if path is not None:
        return str(path), response
    cached = store.interview_json(iid)
    if needs_fresh_url(response, cached[1] if cached else None, now=now):
        interview = await service.interview(iid, refresh=True)
        response = answer_response(interview, response.question_id)
    if response.audio_url is None:
        raise PlayerError("this answer has no recording", interview_id=iid)
    api_base = service.api.base_url if service.api is not None else None
    url = check_url(response.audio_url, api_base=api_base)
    parts = urlsplit(url)
    policy = AddressPolicy(urlsplit(api_base).hostname if api_base else None)
    try:
        await policy.allowed(parts.hostname or "", parts.port or (443 if parts.scheme == "https"
                                                                   else 80))
    except AddressRefused as exc:
        raise PlayerError(f"not playing: {exc.detail}", interview_id=iid) from exc
    except OSError as exc:
        raise PlayerError(f"the audio host {parts.hostname} cannot be reached: {exc}",
                          interview_id=iid) from exc
    return url, response


class Playback:
    """One player process: started in its own process group so ``stop`` ends all of it."""

    def __init__(self, command: PlayerCommand, label: str) -> None:
        self.command = command
        self.label = clean_line(label)
        self.started_at = time.monotonic()
        self._proc = subprocess.Popen(
            command.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=player_env(),
            start_new_session=True,
            close_fds=True,
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    def stop(self, timeout: float = 2.0) -> None:
        """End the player (and anything it started); waits up to ``timeout`` then kills."""
        if self._proc.poll() is not None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            return
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                return
            self._proc.wait(timeout)
