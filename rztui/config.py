"""Where rztui keeps things, and the user's settings (TOML in the config dir).

``RZTUI_HOME=<dir>`` puts config, data and cache under one directory (tests, scripts, demos).

Settings are parsed with their types. A file that is not TOML at all is an error (exit 2: the
user has to fix it); inside a valid file, a value of the wrong type, out of range, or an unknown
key (a typo) costs only that setting: it is named in one warning line (kept in
:attr:`Settings.warnings`, printed by the CLI) and its default is used; many problems of one
kind are one line with a count. The file is bounded: over :data:`MAX_CONFIG_BYTES` it is
refused like a file that is not TOML, and a keyword list or job table over its limit is
ignored, named once. ``bool("no")`` is True,
so booleans must be TOML booleans, never strings.

:func:`save_setting` changes one setting in the file in place, keeping the user's other lines
and comments (the TUI saves the theme picked in its palette with it).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypedDict, TypeGuard

from .api import DEFAULT_BASE_URL
from .api.errors import ConfigError

APP_NAME = "rztui"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def store_file(self) -> Path:
        return self.data_dir / "rztui.db"

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @classmethod
    def resolve(cls) -> Paths:
        home = os.environ.get("RZTUI_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root / "config", root / "data", root / "cache")
        import platformdirs

        return cls(
            Path(platformdirs.user_config_dir(APP_NAME)),
            Path(platformdirs.user_data_dir(APP_NAME)),
            Path(platformdirs.user_cache_dir(APP_NAME)),
        )


# "global" is a Python keyword, hence the functional form.
KeywordConfig = TypedDict(
    "KeywordConfig", {"global": list[str], "jobs": dict[str, list[str]]}, total=False
)
"""``[keywords]``: ``global`` (replaces the built-in list) and ``jobs`` (job title -> words)."""

SettingValue = str | int | float | bool | None
"""What one top-level setting holds (``None``: retention_days unset)."""

DEFAULT_THEME = "textual-dark"
CONCURRENCY_RANGE = (1, 64)
POLL_BUDGET_RANGE = (0.01, 1.0)
RATE_LIMIT_WAIT_RANGE = (1.0, 3600.0)  # seconds
MAX_THEME_LENGTH = 64
# Bounds on the file, so a generated or damaged config cannot cost seconds and hundreds of MB
# on every command (TOML parsing alone takes about a second per MB). A real one is a few KB.
MAX_CONFIG_BYTES = 1_000_000
MAX_KEYWORDS = 1_000  # words in one list (keywords.global, or one job's)
MAX_KEYWORD_JOBS = 1_000  # job titles under [keywords.jobs]


@dataclass
class Settings:
    base_url: str = DEFAULT_BASE_URL
    concurrency: int = 8  # parallel requests for bulk fetches
    poll_budget: float = 0.5  # share of X-RateLimit-Limit the poller may use
    max_rate_limit_wait: float = 120.0  # seconds: a longer 429 wait is given up, not slept
    retention_days: float | None = None  # purge cached data older than this on start-up
    auto_archive: bool = False
    bell: bool = False
    theme: str = DEFAULT_THEME  # a Textual theme name; the TUI checks it exists
    player: str | None = None  # the command that plays an answer's audio (`P`); None: find one
    keywords: KeywordConfig = field(default_factory=lambda: KeywordConfig())
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)
    """One line per setting that was ignored (its default is used instead)."""

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The settings in ``path`` (defaults when it does not exist).

        Raises :class:`ConfigError` (exit 2) only when the file can't be read or is not TOML.
        """
        if not path.exists():
            return cls()
        import tomllib  # only with a config file: start-up time

        try:
            with path.open("rb") as f:
                raw = f.read(MAX_CONFIG_BYTES + 1)  # never more than the limit into memory
            if len(raw) > MAX_CONFIG_BYTES:
                size = max(path.stat().st_size, len(raw))
                raise ConfigError(f"cannot read settings {path}: the file is {size / 1e6:.1f} MB, "
                                  f"more than the {MAX_CONFIG_BYTES / 1e6:g} MB a config file "
                                  "may have")
            data = tomllib.loads(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings {path}: {exc}") from None
        return cls.from_toml(data, where=str(path))

    @classmethod
    def from_toml(cls, data: Mapping[str, object], *, where: str = "config.toml") -> Settings:
        """Settings from parsed TOML; every rejected value is a line in ``warnings``."""
        s = cls()
        bad = _Problems(where)
        for key, value in data.items():
            parse = _PARSERS.get(key)
            if parse is None:
                bad(partial(_unknown, "", key, tuple(_PARSERS)), kind="unknown")
                continue
            try:
                setattr(s, key, parse(value))
            except _Rejected as exc:
                default = getattr(cls(), key)
                bad(f"{key}: {exc}; using the default{_default_text(default)}")
        table = data.get("keywords")
        if isinstance(table, Mapping):
            s.keywords = _keywords(table, bad)
        s.warnings = bad.lines()
        return s


_Message = str | Callable[[], str]


class _Problems:
    """The warnings about one file: one line per problem, except that problems of one kind
    (say, unknown settings) give one line, the first one's, with a count of the others. A
    file with 100,000 unknown keys is one line, not 100,000, and only the first is explained
    (``_did_you_mean`` is not free)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._lines: list[str] = []
        self._first: dict[str, int] = {}  # kind -> index of its line
        self._more: dict[str, int] = {}  # kind -> how many more there were

    def __call__(self, message: _Message, *, kind: str | None = None) -> None:
        if kind is not None:
            if kind in self._first:
                self._more[kind] += 1
                return
            self._first[kind] = len(self._lines)
            self._more[kind] = 0
        text = message() if callable(message) else message
        self._lines.append(f"{self.where}: {text}")

    def lines(self) -> list[str]:
        out = list(self._lines)
        for kind, index in self._first.items():
            more = self._more[kind]
            if more:
                out[index] += f" (and {more:,} more like it)"
        return out


_Bad = Callable[..., None]
"""How a parser reports a problem: ``bad(message, kind=...)`` (a :class:`_Problems`)."""


# --------------------------------------------------------------------------- value parsing


class _Rejected(ValueError):
    """One setting's value is unusable (the message says why)."""


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {_show(value)}"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse_base_url(value: object) -> str:
    # Only the type here: the URL itself is checked where it is used (the CLI says which of
    # --base-url, ROUNDZERO_BASE_URL and this file it came from).
    if not isinstance(value, str) or not value.strip():
        raise _Rejected(f"expected a URL in quotes, got {_type_name(value)}")
    return value.strip()


def _parse_concurrency(value: object) -> int:
    lo, hi = CONCURRENCY_RANGE
    if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
        raise _Rejected(f"expected a whole number from {lo} to {hi}, got {_type_name(value)}")
    if not lo <= value <= hi:
        raise _Rejected(f"{value:g} is out of range ({lo} to {hi})")
    return int(value)


def _parse_poll_budget(value: object) -> float:
    lo, hi = POLL_BUDGET_RANGE
    if not _is_number(value):
        raise _Rejected(f"expected a number from {lo} to {hi}, got {_type_name(value)}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise _Rejected(f"{value:g} is out of range ({lo} to {hi}: a share of the rate limit)")
    return float(value)


def _parse_rate_limit_wait(value: object) -> float:
    lo, hi = RATE_LIMIT_WAIT_RANGE
    if not _is_number(value):
        raise _Rejected(f"expected a number of seconds from {lo:g} to {hi:g}, "
                        f"got {_type_name(value)}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise _Rejected(f"{value:g} is out of range ({lo:g} to {hi:g} seconds)")
    return float(value)


def _parse_retention_days(value: object) -> float:
    if not _is_number(value):
        raise _Rejected(f"expected a number of days, got {_type_name(value)}")
    if not (math.isfinite(value) and value > 0):
        raise _Rejected(f"{value:g} is out of range (more than 0 days)")
    return float(value)


def _parse_bool(value: object) -> bool:
    if not isinstance(value, bool):
        hint = ""
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            hint = f" (write {str(_BOOL_WORDS[value.strip().lower()]).lower()}, without quotes)"
        raise _Rejected(f"expected true or false, got {_type_name(value)}{hint}")
    return value


_BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True,
               "false": False, "no": False, "off": False, "0": False}


def _parse_theme(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Rejected(f"expected a theme name in quotes, got {_type_name(value)}")
    if len(value) > MAX_THEME_LENGTH or not value.isprintable():
        raise _Rejected(f"{_show(value)} is not a theme name")
    return value.strip()


def _parse_player(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Rejected(f"expected a command in quotes, got {_type_name(value)}")
    if not value.isprintable():
        raise _Rejected(f"{_show(value)} is not a command")
    return value.strip()


def _parse_keywords(value: object) -> KeywordConfig:
    if not isinstance(value, Mapping):
        raise _Rejected(f"expected a table ([keywords]), got {_type_name(value)}")
    return KeywordConfig()  # filled in by _keywords, which can name each bad entry


_PARSERS: dict[str, Callable[[object], object]] = {
    "base_url": _parse_base_url,
    "concurrency": _parse_concurrency,
    "poll_budget": _parse_poll_budget,
    "max_rate_limit_wait": _parse_rate_limit_wait,
    "retention_days": _parse_retention_days,
    "auto_archive": _parse_bool,
    "bell": _parse_bool,
    "theme": _parse_theme,
    "player": _parse_player,
    "keywords": _parse_keywords,
}
"""Every setting a file may hold (the keys of :class:`Settings`, minus ``warnings``)."""

SETTING_KEYS: tuple[str, ...] = tuple(_PARSERS)


def _words(value: object, name: str, bad: _Bad) -> list[str] | None:
    """A keyword list: an array of strings, or one string (one keyword, not its letters).

    Items that are not strings are named and dropped; any other type gives None.
    """
    if isinstance(value, str):
        return [value] if value.strip() else []
    if not isinstance(value, list):
        return None
    if len(value) > MAX_KEYWORDS:
        bad(f"{name}: {len(value):,} keywords, more than the {MAX_KEYWORDS:,} a list may have; "
            "ignored", kind="too many keywords")
        return None
    words = [w for w in value if isinstance(w, str)]
    if len(words) != len(value):
        bad(f"{name}: {len(value) - len(words)} item(s) are not strings; ignored",
            kind="not strings")
    return [w for w in words if w.strip()]


def _keywords(table: Mapping[str, object], bad: _Bad) -> KeywordConfig:
    out = KeywordConfig()
    for key, value in table.items():
        if key == "global":
            words = _words(value, "keywords.global", bad)
            if words is None:
                if not isinstance(value, list):  # a list too long was named by _words
                    bad(f"keywords.global: expected an array of strings, got "
                        f"{_type_name(value)}; using the built-in keywords")
            else:
                out["global"] = words
        elif key == "jobs":
            if not isinstance(value, Mapping):
                bad(f"keywords.jobs: expected a table ([keywords.jobs]), got "
                    f"{_type_name(value)}; ignored")
                continue
            if len(value) > MAX_KEYWORD_JOBS:
                bad(f"keywords.jobs: {len(value):,} job titles, more than the "
                    f"{MAX_KEYWORD_JOBS:,} it may have; ignored")
                continue
            jobs: dict[str, list[str]] = {}
            for title, job_value in value.items():
                name = f"keywords.jobs.{_show(title)}"
                job_words = _words(job_value, name, bad)
                if job_words is None:
                    if not isinstance(job_value, list):
                        bad(f"{name}: expected an array of strings, got "
                            f"{_type_name(job_value)}; ignored", kind="job not a list")
                else:
                    jobs[title] = job_words
            if jobs:
                out["jobs"] = jobs
        else:
            bad(partial(_unknown, "keywords.", key, ("global", "jobs")), kind="unknown keywords")
    return out


def _unknown(prefix: str, key: str, known: tuple[str, ...]) -> str:
    return f"unknown setting {prefix}{_show(key)}{_did_you_mean(key, known)}; ignored"


def _did_you_mean(key: str, known: Mapping[str, object] | tuple[str, ...]) -> str:
    import difflib  # only when there is a typo to explain

    close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _show(text: str) -> str:
    """A key or value from the file, for one line: no control characters, not too long."""
    cut = text if len(text) <= 40 else text[:39] + "…"
    return repr(re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", cut))


def _default_text(default: object) -> str:
    if default is None:
        return " (not set)"
    if isinstance(default, bool):
        return f" ({str(default).lower()})"
    if isinstance(default, str | int | float):
        return f" ({toml_value(default)})"
    return ""


# --------------------------------------------------------------------------- writing


def toml_value(value: str | int | float | bool) -> str:
    """``value`` as a TOML literal (strings as basic strings, every control char escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to TOML")
        return repr(value)
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_TABLE_HEADER = re.compile(r"^\s*\[")


def _key_line(key: str) -> re.Pattern[str]:
    return re.compile(rf"^(\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=\s*)(.*)$")


def _split_comment(rest: str) -> tuple[str, str]:
    """``value  # comment`` -> (value, ``  # comment``), using TOML itself to find the end."""
    import tomllib

    candidates = [len(rest)] + [m.start() for m in re.finditer(r"\s*#", rest)]
    for end in sorted(set(candidates)):
        try:
            tomllib.loads(f"x = {rest[:end]}")
        except tomllib.TOMLDecodeError:
            continue
        return rest[:end], rest[end:]
    return rest, ""


def save_setting(key: str, value: SettingValue, path: Path | None = None) -> Path:
    """Set one top-level setting in the config file, keeping every other line and comment.

    ``value`` is checked like a loaded one (:class:`ConfigError` when it would be rejected);
    ``None`` removes the setting (its default applies again). The file is created (0600, with
    its folder) when missing, and replaced atomically; a symlinked config is written where the
    link points. A file that is not valid TOML is left alone (ConfigError). Returns the path.
    """
    parse = _PARSERS.get(key)
    if parse is None or key == "keywords":
        raise ConfigError(f"{key!r} is not a setting that can be saved"
                          f"{_did_you_mean(key, _PARSERS)}")
    if value is not None:
        try:
            parse(value)
        except _Rejected as exc:
            raise ConfigError(f"cannot save {key}: {exc}") from None
    import tomllib

    target = (path if path is not None else Paths.resolve().config_file).expanduser()
    if target.is_symlink():
        target = target.resolve()
    try:
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot save {key}: cannot read settings {target}: {exc}") from None

    new_text = _with_setting(text, key, value)
    check = tomllib.loads(new_text)
    if check.get(key) != value:  # never write a file that would not say what was asked
        raise ConfigError(f"cannot save {key} in {target}: the file's layout is not understood")
    _write_atomically(target, new_text)
    return target


def _with_setting(text: str, key: str, value: SettingValue) -> str:
    lines = text.splitlines(keepends=True)
    pattern = _key_line(key)
    first_table = next((i for i, ln in enumerate(lines) if _TABLE_HEADER.match(ln)), len(lines))
    literal = None if value is None else toml_value(value)
    for i in range(first_table):
        m = pattern.match(lines[i])
        if not m:
            continue
        if literal is None:
            del lines[i]
        else:
            _, comment = _split_comment(m.group(2).rstrip("\r\n"))
            ending = lines[i][len(lines[i].rstrip("\r\n")):] or "\n"
            lines[i] = f"{m.group(1)}{literal}{comment}{ending}"
        return "".join(lines)
    if literal is None:
        return text
    new_line = f"{key} = {literal}\n"
    # After the commented example of this key if there is one, else at the end of the
    # top-level part (before the first [table]).
    example = re.compile(rf"^\s*#\s*{re.escape(key)}\s*=")
    at = next((i + 1 for i in range(first_table) if example.match(lines[i])), None)
    if at is None:
        at = first_table
        while at > 0 and not lines[at - 1].strip():
            at -= 1
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    lines.insert(at, new_line)
    return "".join(lines)


def _write_atomically(target: Path, text: str) -> None:
    import tempfile

    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o600
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write settings {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ConfigError(f"cannot write settings {target}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- the example


EXAMPLE_CONFIG = """\
# rztui settings (TOML). Every setting is shown with its default; remove the
# leading "# " to change one. A value of the wrong type, out of range, or an
# unknown name is reported on start-up and its default is used instead.
#
# The API key is never stored here: use `rztui login` (system keyring) or the
# ROUNDZERO_API_KEY environment variable.

# The API origin, with or without /api/v1. ROUNDZERO_BASE_URL and --base-url
# take precedence.
# base_url = "https://rz-app-omega.vercel.app"

# Parallel requests for bulk fetches (export, review, add), 1 to 64.
# concurrency = 8

# Share of the API rate limit the live status poller may use, 0.01 to 1.0.
# poll_budget = 0.5

# The longest wait for the API's rate limit (a 429) before a request gives up
# (exit 5, naming when the limit resets), in seconds, 1 to 3600. Waits over 2 s
# are said on stderr.
# max_rate_limit_wait = 120

# Purge cached interview data fetched more than this many days ago, on start-up.
# Not set by default: cached data is kept until `rztui purge`.
# retention_days = 90

# Download the audio of each interview as soon as it completes (true/false).
# auto_archive = false

# Ring the terminal bell when a tracked interview changes status (true/false).
# bell = false

# The app's colour theme (a Textual theme name; pick one in the app's command
# palette and it is saved here).
# theme = "textual-dark"

# The command that plays an answer's audio (`P` in the app): {} is replaced by
# the file or URL, else it is added at the end. Not set: the first of mpv,
# ffplay, paplay/aplay (wav files), afplay (macOS), xdg-open/open found.
# player = "mpv --no-video {}"

# Keywords the review looks for: `global` replaces the built-in list shown here,
# and each line under keywords.jobs adds words for one job title (any case).
# [keywords]
# global = ["react", "typescript", "testing", "agile", "ci/cd"]
# [keywords.jobs]
# "Backend Engineer" = ["go", "postgres", "kubernetes"]
"""
"""Written by ``rztui config``: every key with its default and meaning (a test keeps it so)."""

