"""No command lets API or user text act on the terminal (issue 20, item 5).

Every command that prints user or API text runs over the demo's hostile interviews, a hostile
note (typed and imported), and hostile arguments; in text modes neither stdout nor stderr may
carry an ESC, a C1 control, another C0 control but tab and newline, or a bidi control. The
runner is told to keep colours (``color=True``), so click's own stripping of CSI sequences on a
pipe hides nothing: the command itself must make the text inert.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

from rztui.cli import main
from rztui.demo import dataset as ds

TERMINAL_ID = ds.HOSTILE_TERMINAL_ID
HOSTILE = "".join(ds.HOSTILE_SAMPLES) + (
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \x1bPq\x1b\\ \x9d0;t\x07 \u2067x\u2069"
    "\u200f\u061c back\x08\x08 cr\roverwrite bell\x07 \x85 end"
)
QUERY_WORD = "clipboard"  # in the terminal interview's first answer, next to an OSC 52

# ESC, C1, C0 but \t \n (\r is checked apart), DEL, and the bidi controls.
RISKY = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                   r"\u2066-\u2069\u061c]")
# What click.style itself writes in the terminal layouts (bold, dim, reverse, cyan, reset).
OWN_STYLES = re.compile(r"\x1b\[(?:0|1|2|7|36)m")
CLI_MODULES = ("interviews", "search", "export", "evaluate", "importer", "watch", "group",
               "purge", "configure", "auth")


def rz(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, color=True,
                              catch_exceptions=False)


def assert_inert(result, *, tty: bool = False, crlf: bool = False) -> None:
    for name in ("stdout", "stderr"):
        text = getattr(result, name)
        if tty:
            text = OWN_STYLES.sub("", text)
        if crlf:
            text = text.replace("\r\n", "\n")
        found = RISKY.search(text) or re.search("\r", text)
        assert found is None, (
            f"{name} carries {found.group()!r}: "
            f"{text[max(found.start() - 40, 0):found.end() + 40]!r}")


@pytest.fixture
def home(rz_home, demo_store, monkeypatch):
    """Every demo interview tracked and cached (nothing is fetched); a hostile note and
    rating on the terminal interview."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    (rz_home / "data").mkdir(parents=True, mode=0o700)
    with closing(sqlite3.connect(demo_store.path)) as source, \
            closing(sqlite3.connect(rz_home / "data" / "rztui.db")) as copy:
        source.backup(copy)
    assert rz("note", TERMINAL_ID, "-", input=HOSTILE.encode()).exit_code == 0
    assert rz("rate", TERMINAL_ID, "4").exit_code == 0
    assert rz("shortlist", TERMINAL_ID).exit_code == 0
    return rz_home


def as_tty(monkeypatch) -> None:
    """Every command module believes stdout and stderr are terminals (the styled layouts)."""
    import importlib

    for name in CLI_MODULES:
        module = importlib.import_module(f"rztui.cli.{name}")
        if hasattr(module, "isatty"):
            monkeypatch.setattr(module, "isatty", lambda _stream: True)


def terminal_question() -> str:
    return ds.snapshot(TERMINAL_ID)["responses"][0]["question_id"]


# Each command line that prints user or API text, in a text mode.
TEXT_COMMANDS: list[tuple[str, ...]] = [
    ("note", TERMINAL_ID),
    ("rate", TERMINAL_ID, "5"),
    ("rate", TERMINAL_ID, "3", "-q", "Q1"),
    ("shortlist",),
    ("list",),
    ("list", "--shortlisted"),
    ("get", TERMINAL_ID),
    ("get", ds.HOSTILE_MARKUP_ID),
    ("questions", TERMINAL_ID),
    ("transcript", TERMINAL_ID),
    ("transcript", TERMINAL_ID, "-f", "markdown"),
    ("transcript", TERMINAL_ID, "-f", "ats"),
    ("review", TERMINAL_ID),
    ("review", *ds.HOSTILE_IDS),
    ("search", QUERY_WORD),
    ("search", "pwned"),
    ("search", "Mallory"),
    ("compare", "concurrency in Go"),
    ("watch", TERMINAL_ID),
    ("export", TERMINAL_ID, "-f", "json"),
    ("export", TERMINAL_ID, "-f", "jsonl"),
    ("get", TERMINAL_ID, "--json"),
    ("list", "--json"),
    ("search", QUERY_WORD, "--json"),
    ("transcript", TERMINAL_ID, "-f", "json"),
]
# Command lines that quote hostile input back (usage errors, "no matches", bad ids).
QUOTING_COMMANDS: list[tuple[str, ...]] = [
    ("get", HOSTILE),
    ("get", "x" + HOSTILE.replace("/", "")),
    ("note", HOSTILE),
    ("rate", TERMINAL_ID, HOSTILE),
    ("rate", TERMINAL_ID, "3", "-q", HOSTILE),
    ("shortlist", HOSTILE),
    ("add", "--no-fetch", "ok" + HOSTILE.replace("/", "")),
    ("remove", HOSTILE),
    ("search", HOSTILE),
    ("search", "\x1b]52;c;ZXZpbA==\x07"),
    ("compare", HOSTILE),
    ("compare", "concurrency", "--job", HOSTILE),
    ("transcript", HOSTILE),
    ("review", HOSTILE),
    ("export", HOSTILE),
    ("export", "--status", HOSTILE),
    ("watch", HOSTILE),
    ("import", "/nonexistent/" + HOSTILE.replace("/", "")),
]


@pytest.mark.parametrize("args", TEXT_COMMANDS + QUOTING_COMMANDS, ids=lambda a: a[0])
def test_no_control_reaches_the_terminal_piped(home, args):
    assert_inert(rz(*args))


@pytest.mark.parametrize("args", TEXT_COMMANDS + QUOTING_COMMANDS, ids=lambda a: a[0])
def test_no_control_reaches_the_terminal_on_a_tty(home, monkeypatch, args):
    as_tty(monkeypatch)
    assert_inert(rz(*args), tty=True)


def test_the_note_is_shown_inert_and_stored_exact(home):
    """The note keeps every character in the store and in JSON exports; printed, the visible
    text stays and what a terminal would act on is gone."""
    shown = rz("note", TERMINAL_ID)
    assert shown.exit_code == 0
    assert_inert(shown)
    assert "Click me" in shown.stdout and "pwned" not in shown.stdout  # an OSC title's payload
    exported = rz("export", TERMINAL_ID, "-f", "jsonl")
    assert json.loads(exported.stdout)["rztui"]["note"] == HOSTILE


def test_an_imported_note_is_shown_inert(home, tmp_path):
    """The issue's case: a note that came in with `rztui import`."""
    out = tmp_path / "one.jsonl"
    assert rz("export", TERMINAL_ID, "-f", "jsonl", "-o", str(out)).exit_code == 0
    assert rz("remove", TERMINAL_ID).exit_code == 0
    imported = rz("import", str(out))
    assert imported.exit_code == 0, imported.stderr
    assert_inert(imported)
    shown = rz("note", TERMINAL_ID)
    assert shown.exit_code == 0 and "Click me" in shown.stdout
    assert_inert(shown)


def test_export_csv_to_stdout_is_inert(home):
    result = rz("export", TERMINAL_ID, ds.HOSTILE_CSV_ID, "-f", "csv")
    assert result.exit_code == 0
    assert_inert(result, crlf=True)


def test_import_messages_quote_bad_lines_inert(home, tmp_path):
    payload = dict(ds.snapshot(TERMINAL_ID))
    payload["id"] = "bad" + HOSTILE
    bad_status = dict(ds.snapshot(TERMINAL_ID), status=HOSTILE)
    source = tmp_path / "bad.jsonl"
    source.write_text("\n".join([HOSTILE, json.dumps(payload), json.dumps(bad_status),
                                 json.dumps({"id": TERMINAL_ID, HOSTILE: HOSTILE})]) + "\n",
                      encoding="utf-8")
    result = rz("import", str(source))
    assert result.exit_code != 0 or result.stderr
    assert_inert(result)


def test_config_warnings_quote_the_file_inert(home):
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    key = json.dumps(HOSTILE)
    (config / "config.toml").write_text(
        f"{key} = 1\ntheme = {key}\nplayer = {key}\n[keywords]\n{key} = [{key}]\n"
        f"[keywords.jobs]\n{key} = 3\n", encoding="utf-8")
    assert_inert(rz("list"))
    assert_inert(rz("config"))


def test_every_command_prints_through_out():
    """The rule that keeps the walk above complete for commands added later: text reaches
    stdout and stderr only through common.out (common.py itself is where it is done)."""
    from pathlib import Path

    import rztui.cli

    allowed = {'click.echo("\\a", nl=False, err=True)'}  # watch's bell: not text
    direct = re.compile(r"click\.(?:echo|secho)\(.*|print\(.*|sys\.std(?:out|err)\.write\(.*")
    found = []
    for path in Path(rztui.cli.__file__).parent.glob("*.py"):
        if path.name == "common.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            hit = direct.search(line)
            if hit and not any(a in line for a in allowed):
                found.append(f"{path.name}:{number}: {hit.group()}")
    assert found == []
