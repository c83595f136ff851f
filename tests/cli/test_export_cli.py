"""The transcript / export / archive / review / purge commands, end to end on the demo server."""

from __future__ import annotations

import csv
import io
import json
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the raw fault server
from faultserver import FaultServer, serve_interviews  # noqa: E402

from rztui.cli import main  # noqa: E402
from rztui.demo import dataset as ds
from rztui.demo.dataset import (
    HOSTILE_CSV_ID,
    HOSTILE_IDS,
    HOSTILE_TERMINAL_ID,
    SPEC_INTERVIEW,
    SPEC_INTERVIEW_ID,
)
from rztui.formats import CSV_COLUMNS
from rztui.store import Store

SPEC_ID = SPEC_INTERVIEW_ID
RISKY = ("\x1b", "\x9b", "\x9d", "\x07", "\x00", "\u202e", "\u2067", "\x08")


def spec_format_transcripts(responses) -> str:
    """The spec's formatTranscripts, transliterated."""
    return "\n---\n\n".join(
        f"Q{i + 1}: {r['question_text']}\nA: {r['transcript']}\n" for i, r in enumerate(responses)
    )


def rz(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def store_of(home: Path) -> Store:
    return Store(home / "data" / "rztui.db")


# --------------------------------------------------------------------------- transcript


def test_transcript_ats_is_exactly_the_spec_output(demo_env):
    result = rz("transcript", SPEC_ID, "--format", "ats")
    assert result.exit_code == 0, result.output
    assert result.stdout == spec_format_transcripts(SPEC_INTERVIEW["responses"])
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["text", "ats", "markdown", "json"])
def test_transcript_never_emits_control_characters(demo_env, fmt):
    for iid in HOSTILE_IDS:
        result = rz("transcript", iid, "-f", fmt)
        assert result.exit_code == 0, result.output
        assert not any(ch in result.stdout for ch in RISKY), (fmt, iid)
        assert not any(ch in result.stdout_bytes.decode() for ch in RISKY)


def test_transcript_json_keeps_the_data_exact(demo_env, rz_home):
    result = rz("transcript", HOSTILE_TERMINAL_ID, "--format", "json")
    data = json.loads(result.stdout)
    assert data == store_of(rz_home).get_interview(HOSTILE_TERMINAL_ID).raw
    assert "\x1b[2J" in data["responses"][0]["transcript"]  # escaped on output, not lost


def test_transcript_text_and_markdown(demo_env):
    text = rz("transcript", SPEC_ID).stdout
    assert text.startswith("Candidate:  Jane Smith\n") and "Q2. Tell me about" in text
    md = rz("transcript", SPEC_ID, "-f", "markdown").stdout
    assert md.startswith("# Interview: Jane Smith\n")


def test_transcript_errors(demo_env):
    missing = rz("transcript", "no-such-interview")
    assert missing.exit_code == 3 and "no-such-interview" in missing.stderr
    bad = rz("transcript", "a/b")
    assert bad.exit_code == 2 and bad.stdout == ""


def test_transcript_offline_from_cache_without_key(demo_env, monkeypatch):
    assert rz("transcript", SPEC_ID).exit_code == 0
    monkeypatch.delenv("ROUNDZERO_API_KEY")
    monkeypatch.setenv("ROUNDZERO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("rztui.credentials.key_from_keyring", lambda: None)
    result = rz("transcript", SPEC_ID, "-f", "ats")
    assert result.exit_code == 0 and result.stdout.startswith("Q1: Describe")


# --------------------------------------------------------------------------- export


def test_export_partial_failure_to_file(demo_env, tmp_path):
    out = tmp_path / "out.csv"
    result = rz("export", SPEC_ID, "no-such-interview", HOSTILE_CSV_ID, "-o", str(out))
    assert result.exit_code == 3
    assert "no-such-interview" in result.stderr and "not found" in result.stderr
    assert result.stdout == ""
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_COLUMNS
    assert {r[0] for r in rows[1:]} == {SPEC_ID, HOSTILE_CSV_ID}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_export_csv_to_stdout_round_trips(demo_env):
    result = rz("export", *HOSTILE_IDS)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    assert rows[0] == CSV_COLUMNS and len(rows) > 10
    assert not any(ch in result.stdout for ch in RISKY)
    assert "exported" in result.stderr  # the summary is not mixed into the data


def test_export_formats_from_extension_and_flags(demo_env, tmp_path):
    out = tmp_path / "x.jsonl"
    assert rz("export", SPEC_ID, HOSTILE_CSV_ID, "-o", str(out)).exit_code == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [
        SPEC_ID, HOSTILE_CSV_ID]
    result = rz("export", SPEC_ID, "-f", "json", "-o", "-")
    assert json.loads(result.stdout)[0]["id"] == SPEC_ID
    excel = tmp_path / "e.csv"
    assert rz("export", SPEC_ID, "--excel", "-o", str(excel)).exit_code == 0
    assert excel.read_bytes().startswith(b"\xef\xbb\xbfinterview_id,")
    assert rz("export", SPEC_ID, "--excel", "-f", "json").exit_code == 2


def test_export_selection(demo_env, rz_home, tmp_path):
    assert rz("add", SPEC_ID, HOSTILE_CSV_ID).exit_code == 0
    by_job = rz("export", "--job", "customer success", "-f", "jsonl")
    assert [json.loads(x)["id"] for x in by_job.stdout.splitlines()] == [HOSTILE_CSV_ID]
    by_status = rz("export", "--status", "completed", "--job", "frontend", "-f", "jsonl")
    assert [json.loads(x)["id"] for x in by_status.stdout.splitlines()] == [SPEC_ID]
    everything = rz("export", "--all", "-f", "jsonl")
    assert len(everything.stdout.splitlines()) == 2
    assert rz("export", SPEC_ID, "--all").exit_code == 2
    assert rz("export").exit_code == 2
    piped = rz("export", "-", "-f", "jsonl", input=f"{SPEC_ID}\n")
    assert json.loads(piped.stdout)["id"] == SPEC_ID


def test_export_bad_destination_costs_no_request(demo_env, tmp_path):
    demo_env.reset_stats()
    result = rz("export", SPEC_ID, "-o", str(tmp_path / "nope" / "out.csv"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert demo_env.stats.total_requests == 0


# --------------------------------------------------------------------------- archive


def test_archive_cli_traversal_and_resume(demo_env, tmp_path):
    dest = tmp_path / "audio"
    first = rz("archive", HOSTILE_CSV_ID, SPEC_ID, "--dir", str(dest))
    assert first.exit_code == 0, first.stderr
    assert "10 downloaded" in first.stdout and "2 downloaded" in first.stdout
    files = [p for p in dest.rglob("*") if p.is_file()]
    assert len(files) == 12 and all(dest in p.parents for p in files)
    assert {p.name for p in tmp_path.iterdir()} == {"audio", "home"}
    assert demo_env.stats.audio_with_authorization == 0
    demo_env.reset_stats()
    again = rz("archive", HOSTILE_CSV_ID, SPEC_ID, "--dir", str(dest))
    assert "0 downloaded, 10 already archived" in again.stdout
    assert demo_env.stats.audio_requests == 0


def test_archive_cli_names_failures(demo_env, tmp_path):
    result = rz("archive", SPEC_ID, "no-such-interview", "--dir", str(tmp_path / "a"))
    assert result.exit_code == 3 and "no-such-interview" in result.stderr
    assert "2 downloaded" in result.stdout


@pytest.mark.parametrize("kind", ["CR/LF", "ESC", "100 KB"])
def test_archive_all_one_hostile_audio_url_fails_alone(rz_home, tmp_path, monkeypatch, kind):
    # Before: exit 1 ("internal error (InvalidURL ...)"), the other recordings not archived.
    with FaultServer() as srv:
        payloads = [ds.snapshot(iid, ds.LIVE_END_SECONDS + 1) for iid in ds.ALL_IDS[:3]]
        ids = serve_interviews(srv, payloads, {(1, 1): kind})
        monkeypatch.setenv("ROUNDZERO_API_KEY", ds.DEMO_KEY)
        monkeypatch.setenv("ROUNDZERO_BASE_URL", srv.base_url)
        assert rz("add", *ids).exit_code == 0
        dest = tmp_path / "audio"
        result = rz("archive", "--all", "--dir", str(dest))
    assert result.exit_code == 5, result.stderr
    assert f"rztui: error: interview {ids[1]}: Q2: audio URL" in result.stderr
    assert "internal error" not in result.stderr and "never awaited" not in result.stderr
    total = sum(len(p["responses"]) for p in payloads)
    assert f"{total - 1} file(s) downloaded" in result.stderr and "1 failed" in result.stderr
    assert len([p for p in dest.rglob("*") if p.is_file()]) == total - 1


# --------------------------------------------------------------------------- review


def test_review_keywords_whole_words_from_config(demo_env, rz_home):
    config = rz_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        '[keywords]\nglobal = ["react", "hooks", "use", "state"]\n'
        '[keywords.jobs]\n"senior frontend developer" = ["codebase", "race condition"]\n'
    )
    result = rz("review", SPEC_ID, "--json")
    assert result.exit_code == 0, result.stderr
    [rev] = json.loads(result.stdout)
    # "use" is not found in "useState"/"used", "state" not in "useState": whole words only.
    assert rev["keyword_matches"] == {
        "react": 1, "hooks": 1, "use": 0, "state": 1, "codebase": 1, "race condition": 1}
    assert rev["keyword_counts"]["hooks"] == 3 and rev["keyword_counts"]["state"] == 2
    assert rev["total_duration_seconds"] == 312 and rev["answered"] == 2
    text = rz("review", SPEC_ID).stdout
    assert "Total duration:   5m 12s" in text and "race condition" in text


def test_review_defaults_and_failures(demo_env):
    result = rz("review", SPEC_ID, HOSTILE_TERMINAL_ID, "nope")
    assert result.exit_code == 3 and "nope" in result.stderr
    assert list(json.loads(rz("review", SPEC_ID, "--json").stdout)[0]["keyword_matches"]) == [
        "react", "typescript", "testing", "agile", "ci/cd"]
    assert not any(ch in result.stdout for ch in RISKY)


# --------------------------------------------------------------------------- purge


def test_purge_needs_confirmation_off_a_terminal(demo_env, rz_home):
    rz("transcript", SPEC_ID)
    refused = rz("purge", "--all")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert store_of(rz_home).get_interview(SPEC_ID) is not None
    assert rz("purge", "--older-than", "1", "--yes").stdout.startswith("nothing to purge")
    assert rz("purge").exit_code == 2  # what to purge must be said


def test_purge_with_and_without_audio(demo_env, rz_home):
    audio_dir = rz_home / "data" / "audio"
    assert rz("archive", SPEC_ID).exit_code == 0  # default dir: the data dir's audio folder
    files = [p for p in audio_dir.rglob("*") if p.is_file()]
    assert len(files) == 2

    kept = rz("purge", "--all", "--yes")
    assert kept.exit_code == 0 and "purged cached data of 1" in kept.stdout
    assert store_of(rz_home).get_interview(SPEC_ID) is None
    assert all(p.exists() for p in files)  # without --audio the recordings stay

    assert rz("archive", SPEC_ID).exit_code == 0  # caches again; files found identical
    dry = rz("purge", "--all", "--audio", "--dry-run")
    assert "2 audio file(s)" in dry.stdout and all(p.exists() for p in files)
    gone = rz("purge", "--all", "--audio", "--yes")
    assert gone.exit_code == 0 and "deleted 2 audio file(s)" in gone.stdout
    assert not any(p.exists() for p in files)
    assert store_of(rz_home).archived(SPEC_ID) == []
    assert not any(audio_dir.iterdir())


def test_review_keyword_config_as_a_single_string(demo_env, rz_home):
    config = rz_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('[keywords]\nglobal = "react"\n')
    [rev] = json.loads(rz("review", SPEC_ID, "--json").stdout)
    assert rev["keyword_matches"] == {"react": 1}  # one keyword, not five letters


# --------------------------------------------------------------------------- signals

# The CLI in a real process whose writer, once every interview is written, waits for a signal
# (empty pages until it is told to stop), so the temporary file is there to be signalled over.
SLOW_EXPORT = """
import sys, time
from rztui.files import export, export_pages
real = export.export_pages
def slow(store, ids, fmt, workers=1):
    yield from real(store, ids, fmt, workers=workers)
    while True:
        time.sleep(0.02)
        yield export_pages.Page("", 0, [])
export.export_pages = slow
from rztui.cli import main
main(sys.argv[1:], prog_name="rztui")
"""


def cached_home(home: Path) -> None:
    data = ds.Dataset()
    store = store_of(home)
    final = [i for i in data.ids if data.status_at(i, ds.LIVE_END_SECONDS + 1) == "completed"]
    store.track(final)
    store.save_interviews(data.snapshot(i, ds.LIVE_END_SECONDS + 1) for i in final)
    store.close()


def start_slow_export(target: Path):
    import subprocess

    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, "export", "--all", "-f", "jsonl", "-o", str(target)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_part(folder: Path, proc) -> Path:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = [p for p in folder.iterdir() if p.name.endswith(".part")]
        if parts:
            return parts[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("no temporary file appeared")


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_mid_export_removes_the_temporary_file(rz_home, tmp_path, signame):
    import signal

    cached_home(rz_home)
    folder = tmp_path / "out"
    folder.mkdir()
    proc = start_slow_export(folder / "export.jsonl")
    try:
        part = wait_for_part(folder, proc)
        assert stat.S_IMODE(part.stat().st_mode) == 0o600
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + getattr(signal, signame), err
    assert list(folder.iterdir()) == []  # neither the temporary file nor a half export
    assert err.splitlines()[-1] == (f"rztui: stopped by {signame}: {folder / 'export.jsonl'} "
                                    "was not written")
    assert "Traceback" not in err


def test_a_part_left_by_sigkill_is_swept_by_the_next_export_after_a_day(rz_home, tmp_path):
    import os
    import signal
    import time

    cached_home(rz_home)
    folder = tmp_path / "out"
    folder.mkdir()
    proc = start_slow_export(folder / "export.jsonl")
    try:
        stale = wait_for_part(folder, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert stale.exists()  # nothing can clean up after SIGKILL
    day_ago = time.time() - 86400 - 60
    os.utime(stale, (day_ago, day_ago))
    fresh = folder / ".other.csv.abcd1234.part"  # another export, still running
    fresh.write_text("x")
    fresh.chmod(0o600)
    not_ours = folder / ".download.abcd1234.part"  # old, but not private: not an export's
    not_ours.write_text("x")
    os.utime(not_ours, (day_ago, day_ago))
    res = rz("export", "--all", "-f", "jsonl", "-o", str(folder / "export.jsonl"))
    assert res.exit_code == 0, res.stderr
    assert not stale.exists()
    assert fresh.exists() and not_ours.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".other.csv.abcd1234.part", ".download.abcd1234.part", "export.jsonl"])
    assert f"removed 1 stale temporary file(s) of an interrupted export in {folder}" in res.stderr
