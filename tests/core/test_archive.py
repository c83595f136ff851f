"""Audio archive (rztui.files.archive): safe paths, URL expiry, no key leak, resumable, checks."""

from __future__ import annotations

import copy
import gc
import hashlib
import os
import stat
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the raw fault server
from faultserver import (  # noqa: E402
    HOSTILE_AUDIO_URLS,
    FaultServer,
    MiB,
    gzip_bomb,
    reply,
    serve_interviews,
    trickle,
)

from rztui.api.client import ApiClient
from rztui.api.errors import RZError
from rztui.api.models import Interview
from rztui.demo import dataset as ds
from rztui.demo.dataset import (
    DEMO_KEY,
    HOSTILE_CSV_ID,
    SPEC_INTERVIEW_ID,
    TRAVERSAL_QUESTION_ID,
    WINDOWS_TRAVERSAL_QUESTION_ID,
)
from rztui.demo.server import DemoServer
from rztui.files.archive import FAILED, archive_interview, archive_interviews, sweep_partial_files
from rztui.files.audio_names import extension_for, safe_component, sniff_audio, url_expired
from rztui.service import Service
from rztui.store import Store

SPEC_ID = SPEC_INTERVIEW_ID
HOSTILE_NAMES = [
    "../../etc/passwd", "/etc/passwd", "..", ".", "", "a/../../b", "..\\..\\win.ini",
    "C:\\Windows\\System32", "nul\x00byte", "CON", "con.txt", "Com1", "LPT9.wav", "aux ",
    "x" * 5000, "日本語", "-rf", ".bashrc", "a b\tc\nd", "\u202egnp.exe", "trailing.",
    TRAVERSAL_QUESTION_ID, WINDOWS_TRAVERSAL_QUESTION_ID, "~root", "$HOME", "a:b*c?d<e>f|g\"",
]


def client(base_url: str) -> ApiClient:
    return ApiClient(base_url, DEMO_KEY, backoff_initial=0.01, backoff_max=0.05)


def wav(size: int) -> bytes:
    """``size`` bytes that start like a WAV file."""
    return (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(size))[:size]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- safe names


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_safe_component_is_one_harmless_name(text):
    name = safe_component(text)
    assert name and name not in (".", "..") and len(name) <= 80
    assert not set(name) - set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert not name.startswith((".", "-")) and not name.endswith((".", " "))
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}
    assert Path(name).name == name and not Path(name).is_absolute()


def test_safe_component_keeps_normal_ids_and_never_collides():
    assert safe_component(SPEC_ID) == SPEC_ID
    assert safe_component("custom-aa0j3955-j74g") == "custom-aa0j3955-j74g"
    names = [safe_component(t) for t in HOSTILE_NAMES + ["a_b", "a b", "a/b", "a\\b"]]
    assert len(set(names)) == len(names)


def test_url_expiry_rules():
    now = 1_000_000.0
    assert url_expired("https://a/x.wav?expires=999999", None, now=now)
    assert not url_expired("https://a/x.wav?expires=2000000", None, now=now)
    assert url_expired("https://a/x.wav?Expires=2000-01-01T00:00:00Z", None)
    # No expiry in the URL: 24 h after the interview was fetched (minus a safety margin).
    assert not url_expired("https://a/x.wav", now - 3600, now=now)
    assert url_expired("https://a/x.wav", now - 86400, now=now)
    assert not url_expired("https://a/x.wav", None, now=now)  # unknown: try it, 403 refreshes
    amz = "https://a/x.wav?X-Amz-Date=20240116T143000Z&X-Amz-Expires=86400"
    assert url_expired(amz, None)


def test_extensions():
    assert extension_for("audio/mpeg") == "mp3"
    assert extension_for("audio/wav; charset=binary") == "wav"
    assert extension_for("audio/whatever", "https://h/a/b.ogg?x=1") == "ogg"
    assert extension_for("audio/x-fancy") == "fancy"
    assert extension_for("audio/../../x") == "audio"


# --------------------------------------------------------------------------- against the demo


async def test_traversal_question_ids_stay_inside(svc, tmp_path, demo):
    dest = tmp_path / "archive"
    iv = await svc.interview(HOSTILE_CSV_ID)
    assert TRAVERSAL_QUESTION_ID in {r.question_id for r in iv.responses}
    result = await archive_interview(svc, iv, dest)
    assert not result.failed and result.downloaded == len(iv.responses)
    root = dest.resolve()
    for path in files_under(tmp_path):
        if path.name.startswith("rz.db"):
            continue
        assert root in path.resolve().parents, path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes()[:4] == b"RIFF"
    for d in [dest / HOSTILE_CSV_ID]:
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    names = {p.name for p in (dest / HOSTILE_CSV_ID).iterdir()}
    assert any(n.startswith("09-custom-.._.._etc_passwd-") for n in names)
    assert not (tmp_path / "etc").exists()
    recorded = svc.store.archived(HOSTILE_CSV_ID)
    assert {r["question_id"] for r in recorded} >= {TRAVERSAL_QUESTION_ID}
    for rec in recorded:
        data = Path(rec["path"]).read_bytes()
        assert rec["size"] == len(data) and rec["sha256"] == hashlib.sha256(data).hexdigest()
        assert rec["content_type"] == "audio/wav"


async def test_odd_interview_id_stays_inside(svc, tmp_path):
    # The audio URLs stay valid (signed for the real id); only the id the API "sent" changes.
    raw = copy.deepcopy((await svc.interview(SPEC_ID)).raw)
    for odd in ("../../../outside", "/abs/path", "..", "a\x00b/c", "CON"):
        raw["id"] = odd
        result = await archive_interview(svc, Interview.from_api(raw), tmp_path / "dest")
        assert result.downloaded == 2 and not result.failed
    assert {p.parent.parent for p in files_under(tmp_path / "dest")} == {tmp_path / "dest"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest", "rz.db", "rz.db-shm",
                                                          "rz.db-wal"]


async def test_symlinked_interview_dir_is_refused(svc, tmp_path):
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / SPEC_ID).symlink_to(outside)
    iv = await svc.interview(SPEC_ID)
    with pytest.raises(RZError):
        await archive_interview(svc, iv, dest)
    assert list(outside.iterdir()) == []


async def test_no_authorization_reaches_the_audio_host(svc, tmp_path, demo):
    demo.reset_stats()
    await archive_interviews(svc, [SPEC_ID, HOSTILE_CSV_ID], tmp_path / "a")
    stats = demo.stats
    assert stats.audio_requests == 2 + 10
    assert stats.audio_with_authorization == 0
    assert all("authorization" not in h for h in stats.audio_headers)


async def test_resumable_second_run_downloads_nothing(svc, tmp_path, demo):
    dest = tmp_path / "a"
    first = await archive_interviews(svc, [SPEC_ID, HOSTILE_CSV_ID], dest)
    assert sum(r.downloaded for r in first.values()) == 12
    mtimes = {p: p.stat().st_mtime_ns for p in files_under(dest)}
    demo.reset_stats()
    second = await archive_interviews(svc, [SPEC_ID, HOSTILE_CSV_ID], dest)
    assert sum(r.downloaded for r in second.values()) == 0
    assert sum(r.skipped for r in second.values()) == 12
    assert demo.stats.audio_requests == 0 and demo.stats.total_requests == 0
    assert {p: p.stat().st_mtime_ns for p in files_under(dest)} == mtimes

    # A damaged file is noticed (size/sha256 against the record) and fetched again.
    victim = sorted(mtimes)[0]
    victim.write_bytes(b"RIFF broken")
    third = await archive_interviews(svc, [SPEC_ID, HOSTILE_CSV_ID], dest)
    assert sum(r.downloaded for r in third.values()) == 1
    assert victim.read_bytes()[:4] == b"RIFF" and len(victim.read_bytes()) > 100


class FakeClock:
    """Wall-clock seconds that move only when a test says so (no sleeping, no load flakes)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_expired_url_is_renewed_before_download(tmp_path):
    clock = FakeClock()
    with DemoServer(port=0, audio_ttl_seconds=1.0, audio_clock=clock) as server:
        store = Store(tmp_path / "rz.db")
        async with client(server.base_url) as api:
            svc = Service(store, api)
            iv = await svc.interview(SPEC_ID)
            clock.now += 1.1  # the URLs in the cached copy are now expired
            server.reset_stats()
            result = await archive_interview(svc, iv, tmp_path / "a", now=clock())
        stats = server.stats
    assert result.refreshed and result.downloaded == 2 and not result.failed
    assert stats.total_requests == 1  # one refetch for fresh URLs
    assert stats.audio_requests == 2  # and no wasted 403


async def test_403_from_audio_host_refetches_then_succeeds(tmp_path):
    clock = FakeClock()
    with DemoServer(port=0, audio_ttl_seconds=2.0, audio_clock=clock) as server:
        store = Store(tmp_path / "rz.db")
        async with client(server.base_url) as api:
            svc = Service(store, api)
            iv = await svc.interview(SPEC_ID)
            deadline = int(iv.responses[0].audio_url.split("expires=")[1].split("&")[0])
            clock.now = deadline + 0.05  # the audio host now refuses the cached URLs
            server.reset_stats()
            # `now=0`: our clock believes the URL is still good (clock skew), so only the
            # audio host's 403 can tell us; the interview is fetched again and it works.
            result = await archive_interview(svc, iv, tmp_path / "a", now=0)
        stats = server.stats
    assert result.refreshed and result.downloaded == 2 and not result.failed
    assert stats.total_requests == 1
    assert stats.audio_requests == 3  # one 403, then both files


async def test_refused_even_after_refresh_is_reported(tmp_path):
    with DemoServer(port=0, audio_ttl_seconds=0.0) as server:  # every URL born expired
        store = Store(tmp_path / "rz.db")
        async with client(server.base_url) as api:
            svc = Service(store, api)
            iv = await svc.interview(SPEC_ID)
            result = await archive_interview(svc, iv, tmp_path / "a", now=0)
    assert [f.status for f in result.files] == [FAILED, FAILED]
    assert result.exit_code == 5 and "403" in result.failed[0].error.message
    assert files_under(tmp_path / "a") == []


# --------------------------------------------------------------------------- bad audio answers


def _audio_mock(svc: Service, handler) -> None:
    # Faults the demo server can't produce: swap the audio client's transport.
    svc.api._audio_http = httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("headers", "body", "max_bytes", "message"),
    [
        ({"content-type": "text/html"}, b"<html>login</html>", None, "not audio"),
        ({"content-type": "audio/wav", "content-length": "9000"}, wav(40), None,
         "incomplete"),
        ({"content-type": "audio/wav"}, wav(400), 100, "limit"),
        ({"content-type": "audio/wav", "content-length": "400"}, wav(400), 100, "limit"),
        ({"content-type": "audio/wav"}, b"", None, "empty"),
    ],
)
async def test_bad_audio_answers_fail_cleanly(svc, tmp_path, headers, body, max_bytes, message):
    iv = await svc.interview(SPEC_ID)

    def handler(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers
        if "content-length" in headers:
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
        return httpx.Response(200, headers=headers, content=body)

    _audio_mock(svc, handler)
    kw = {"max_bytes": max_bytes} if max_bytes else {}
    result = await archive_interview(svc, iv, tmp_path / "a", **kw)
    assert [f.status for f in result.files] == [FAILED, FAILED]
    assert message in result.failed[0].error.message
    assert SPEC_ID in result.failed[0].error.message
    assert files_under(tmp_path / "a") == []  # no temp file left behind
    assert svc.store.archived(SPEC_ID) == []


async def test_non_http_audio_url_is_refused(svc, tmp_path):
    raw = copy.deepcopy((await svc.interview(SPEC_ID)).raw)
    raw["responses"][0]["audio_url"] = "file:///etc/passwd"
    del raw["responses"][1]["audio_url"]
    result = await archive_interview(svc, Interview.from_api(raw), tmp_path / "a")
    assert result.files[0].status == FAILED and "http" in result.files[0].error.message
    assert result.files[1].status == "no_audio"


async def test_identical_redownload_keeps_the_file(svc, tmp_path):
    dest = tmp_path / "a"
    iv = await svc.interview(SPEC_ID)
    await archive_interview(svc, iv, dest)
    # Forget the records (e.g. a fresh store): the files are downloaded again, found identical.
    fresh = Service(Store(tmp_path / "other.db"), svc.api)
    before = {p: p.stat().st_mtime_ns for p in files_under(dest)}
    result = await archive_interview(fresh, iv, dest)
    assert [f.status for f in result.files] == ["unchanged", "unchanged"]
    assert {p: p.stat().st_mtime_ns for p in files_under(dest)} == before
    assert len(fresh.store.archived(SPEC_ID)) == 2


# --------------------------------------------------------------------------- hostile audio hosts


@pytest.fixture
def audio_host():
    with FaultServer() as srv:
        yield srv


async def _pointing_at(svc: Service, *urls: str | None) -> Interview:
    """The spec interview with its responses' audio URLs replaced (None: no audio)."""
    raw = copy.deepcopy((await svc.interview(SPEC_ID)).raw)
    for response, url in zip(raw["responses"], urls, strict=True):
        if url is None:
            response.pop("audio_url", None)
        else:
            response["audio_url"] = url
    return Interview.from_api(raw)


async def test_html_labelled_audio_is_refused(svc, tmp_path, audio_host):
    url = audio_host.route("/q1.mp3", reply(200, b"<!DOCTYPE html><html>Sign in</html>",
                                            content_type="audio/mpeg"))
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a")
    assert result.files[0].status == FAILED
    assert "not audio (labelled audio/mpeg, but the data is an HTML/XML page)" in \
        result.files[0].error.message
    assert files_under(tmp_path / "a") == [] and svc.store.archived(SPEC_ID) == []


@pytest.mark.parametrize(
    "head, ctype, ext",
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", "mp3"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg", "mp3"),
        (b"\xff\xf1\x50\x80\x00\x1f\xfc", "audio/aac", "aac"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/mpeg", "wav"),  # the bytes win
        (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00", "audio/opus", "opus"),  # same family
        (b"\x00\x00\x00\x20ftypM4A ", "application/octet-stream", "m4a"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00", "video/webm", "webm"),
        (b"fLaC\x00\x00\x00\x22\x10\x00", "audio/flac", "flac"),
    ],
)
async def test_audio_formats_are_recognised_by_their_bytes(svc, tmp_path, audio_host, head,
                                                           ctype, ext):
    body = head + bytes(500)
    url = audio_host.route("/q1", reply(200, body, content_type=ctype))
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a")
    item = result.files[0]
    assert item.status == "downloaded", item.error
    assert item.path.suffix == f".{ext}" and item.path.read_bytes() == body


def test_sniff_audio_refuses_what_is_not_audio():
    for head in (b"<html>", b"{\"a\": 1}", b"%PDF-1.7", b"PK\x03\x04", b"", b"\xff\xd8\xff"):
        assert sniff_audio(head) is None


async def test_link_local_audio_url_is_never_fetched(svc, tmp_path):
    iv = await _pointing_at(svc, "http://169.254.169.254/latest/meta-data/iam.mp3",
                            "http://10.0.0.7/q2.wav")
    started = time.monotonic()
    result = await archive_interview(svc, iv, tmp_path / "a")
    assert time.monotonic() - started < 2
    messages = [f.error.message for f in result.files]
    assert "refusing to fetch audio from a link-local address (169.254.169.254)" in messages[0]
    assert "a private address (10.0.0.7)" in messages[1]
    assert not result.refreshed and files_under(tmp_path / "a") == []


async def test_trickling_audio_is_abandoned(svc, tmp_path, audio_host):
    url = audio_host.route("/slow.wav", trickle(wav(2000), 0.05, content_type="audio/wav"))
    started = time.monotonic()
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a",
                                     min_rate=1000, grace=0.4)
    assert time.monotonic() - started < 2
    assert "too slow (under 1000 bytes/s after 0.4s)" in result.files[0].error.message
    assert result.exit_code == 5 and files_under(tmp_path / "a") == []


async def test_audio_headers_that_never_end_are_abandoned(svc, tmp_path, audio_host):
    url = audio_host.route("/hdrs.wav", trickle(b"", 0.05, headers_too=True,
                                                     content_type="audio/wav"))
    started = time.monotonic()
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a",
                                     grace=0.3)
    assert time.monotonic() - started < 2 and "too slow" in result.files[0].error.message


async def test_gzip_bombed_audio_stops_at_the_cap(svc, tmp_path, audio_host):
    handler = gzip_bomb(64 * MiB, prefix=b"RIFF\x24\x00\x00\x00WAVEfmt ",
                        content_type="audio/wav")
    url = audio_host.route("/bomb.wav", handler)
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a",
                                     max_bytes=MiB)
    assert "over the 1048576-byte limit" in result.files[0].error.message
    assert files_under(tmp_path / "a") == []


def test_stale_part_files_are_swept(tmp_path):
    old, fresh, other = tmp_path / ".abc.part", tmp_path / ".def.part", tmp_path / "01-q.wav"
    for p in (old, fresh, other):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    os.utime(other, (time.time() - 3600, time.time() - 3600))
    assert sweep_partial_files(tmp_path) == 1
    assert not old.exists() and fresh.exists() and other.exists()


async def test_a_killed_runs_part_files_go_on_the_next_run(svc, tmp_path):
    dest = tmp_path / "a"
    leftover = dest / SPEC_ID / ".tmp1234.part"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a recording")
    os.utime(leftover, (time.time() - 7200, time.time() - 7200))
    result = await archive_interview(svc, await svc.interview(SPEC_ID), dest)
    assert result.downloaded == 2 and not leftover.exists()
    assert [p.name for p in files_under(dest) if p.name.endswith(".part")] == []


async def test_unreachable_audio_host_refetches_once_then_works(tmp_path):
    # A copy fetched from an old server whose audio host is gone; the API now gives fresh URLs.
    store = Store(tmp_path / "rz.db")
    with DemoServer(port=0) as old:
        old_audio = old.audio_base_url
        async with client(old.base_url) as api:
            await Service(store, api).interview(SPEC_ID)
    with DemoServer(port=0) as server:
        async with client(server.base_url) as api:
            svc = Service(store, api)
            cached = await svc.interview(SPEC_ID)  # completed: from the store, old URLs
            assert cached.responses[0].audio_url.startswith(old_audio)
            result = await archive_interview(svc, cached, tmp_path / "a")
        assert server.stats.total_requests == 1 and server.stats.audio_requests == 2
    assert result.refreshed and result.downloaded == 2 and not result.failed


async def test_unreachable_even_after_refetch_is_one_failure_per_file(tmp_path):
    store = Store(tmp_path / "rz.db")
    with DemoServer(port=0) as server:
        async with client(server.base_url) as api:
            svc = Service(store, api)
            iv = await svc.interview(SPEC_ID)
            server._audio.shutdown()  # the API answers, its audio host does not
            server._audio.server_close()
            result = await archive_interview(svc, iv, tmp_path / "a")
    assert result.refreshed and [f.status for f in result.files] == [FAILED, FAILED]
    assert "cannot reach the audio host (ConnectError)" in result.files[0].error.message


# --------------------------------------------------------------------------- one hostile audio URL


@pytest.fixture
def api_host():
    """A fault server as the API (and its audio host), serving what a test gives it."""
    with FaultServer() as srv:
        yield srv


def completed(*ids: str) -> list[dict]:
    return [ds.snapshot(iid, ds.LIVE_END_SECONDS + 1) for iid in ids]


@pytest.mark.parametrize("kind", list(HOSTILE_AUDIO_URLS))
async def test_one_hostile_audio_url_fails_alone(tmp_path, api_host, kind):
    # Three interviews; the second one's second answer has a hostile audio URL. Before: an
    # exception escaped the gather (exit 1, nothing more archived).
    ids = serve_interviews(api_host, completed(*ds.ALL_IDS[:3]), {(1, 1): kind})
    answers = [len(p["responses"]) for p in completed(*ids)]
    dest = tmp_path / "a"
    store = Store(tmp_path / "rz.db")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with client(api_host.base_url) as api:
            results = await archive_interviews(Service(store, api), ids, dest)
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
    bad = results[ids[1]]
    assert [f.index for f in bad.failed] == [2] and bad.exit_code == 5
    message = bad.failed[0].error.message
    assert message.startswith(f"interview {ids[1]}: Q2: "), message
    assert "\r" not in message and "\x1b" not in message and len(message) < 300
    for iid, n in zip(ids, answers, strict=True):
        expected = n - 1 if iid == ids[1] else n
        assert results[iid].downloaded == expected
        assert len(list((dest / iid).glob("*.wav"))) == expected
    assert len(store.archived(ids[1])) == answers[1] - 1
    assert not [p for p in dest.rglob("*.part")]
    store.close()


async def test_a_hostile_audio_url_costs_no_request(tmp_path, api_host):
    ids = serve_interviews(api_host, completed(SPEC_ID),
                           {(0, 0): "CR/LF", (0, 1): "100 KB"})
    store = Store(tmp_path / "rz.db")
    async with client(api_host.base_url) as api:
        results = await archive_interviews(Service(store, api), ids, tmp_path / "a")
    assert [f.status for f in results[SPEC_ID].files] == [FAILED, FAILED]
    assert not results[SPEC_ID].refreshed  # a malformed URL is not a stale one
    assert [r.path for r in api_host.stats.requests] == [f"/api/v1/interviews/{SPEC_ID}"]
    store.close()


# --------------------------------------------------------------------------- no empty folders


async def test_a_failed_archive_leaves_no_empty_folder(tmp_path, api_host):
    # Every answer of the first interview fails; the second has no audio at all.
    payloads = completed(SPEC_ID, ds.ALL_IDS[1])
    ids = serve_interviews(api_host, payloads, {(0, 0): "private address", (0, 1): "ESC"})
    bare = copy.deepcopy(payloads[1])
    for response in bare["responses"]:
        response.pop("audio_url")
    api_host.route(f"/api/v1/interviews/{ids[1]}", reply(200, bare))
    dest = tmp_path / "deep" / "audio"
    store = Store(tmp_path / "rz.db")
    async with client(api_host.base_url) as api:
        results = await archive_interviews(Service(store, api), ids, dest)
    assert len(results[ids[0]].failed) == 2 and results[ids[1]].count("no_audio") > 0
    assert not (tmp_path / "deep").exists()  # nothing was archived: no folder was left

    # A folder that was there before stays; an interview's folder goes when it stays empty.
    dest.mkdir(parents=True)
    async with client(api_host.base_url) as api:
        await archive_interviews(Service(store, api), ids, dest)
    assert list(dest.iterdir()) == []
    store.close()


async def test_a_failed_download_leaves_no_partial_file_or_folder(svc, tmp_path, audio_host):
    url = audio_host.route("/half.wav", reply(200, wav(40), [("Content-Length", "9000")],
                                              content_type="audio/wav"))
    result = await archive_interview(svc, await _pointing_at(svc, url, None), tmp_path / "a")
    assert result.files[0].status == FAILED  # the body ended before its Content-Length
    assert not (tmp_path / "a").exists()
