"""Listening to an answer: choosing the player, what it is given, stopping it."""

from __future__ import annotations

import json
import time

import pytest

from rztui.answers.player import (
    Playback,
    PlayerError,
    check_url,
    find_player,
    playable_source,
    player_env,
)
from rztui.api.client import ApiClient
from rztui.demo import dataset as ds
from rztui.demo.dataset import DEMO_KEY
from rztui.service import Service
from rztui.store import Store


def only(*names: str):
    return lambda n: f"/bin/{n}" if n in names else None


def test_mpv_first_then_ffplay():
    cmd = find_player("https://a.example/x.mp3", which=only("mpv", "ffplay"))
    assert cmd.name == "mpv" and cmd.argv[-2:] == ["--", "https://a.example/x.mp3"]
    cmd = find_player("https://a.example/x.mp3", which=only("ffplay", "xdg-open"))
    assert cmd.name == "ffplay" and cmd.argv[-1] == "https://a.example/x.mp3"


def test_wav_players_only_for_local_wav_files():
    assert find_player("/data/a.wav", which=only("aplay")).name == "aplay"
    assert find_player("/data/a.wav", which=only("paplay", "aplay")).name == "paplay"
    with pytest.raises(PlayerError, match="no audio player found for a .mp3 file"):
        find_player("/data/a.mp3", which=only("aplay"))
    with pytest.raises(PlayerError, match="looked for mpv, ffplay, xdg-open"):
        find_player("https://a.example/a.wav", which=only("aplay"), platform="linux")


def test_platform_openers():
    cmd = find_player("https://a.example/x", which=only("xdg-open"), platform="linux")
    assert cmd.name == "xdg-open" and not cmd.stoppable
    assert find_player("/a.m4a", which=only("afplay", "open"), platform="darwin").name == "afplay"
    with pytest.raises(PlayerError):
        find_player("/a.m4a", which=only("afplay"), platform="linux")


def test_configured_player_wins_and_places_the_source():
    cmd = find_player("/a.mp3", configured="vlc --intf dummy {}", which=only("vlc", "mpv"))
    assert cmd.argv == ["/bin/vlc", "--intf", "dummy", "/a.mp3"]
    cmd = find_player("/a.mp3", configured="cvlc --play-and-exit", which=only("cvlc"))
    assert cmd.argv == ["/bin/cvlc", "--play-and-exit", "/a.mp3"]
    with pytest.raises(PlayerError, match="'nope' from the config is not on PATH"):
        find_player("/a.mp3", configured="nope", which=only("mpv"))
    with pytest.raises(PlayerError, match="cannot be read"):
        find_player("/a.mp3", configured="mpv 'unclosed", which=only("mpv"))


@pytest.mark.parametrize("url", [
    "--script=/tmp/evil.lua", "file:///etc/passwd", "https://a.example/x\n--y",
    "http://a.example/x", "ftp://a.example/x", "https:///nohost",
])
def test_unsafe_urls_are_refused(url):
    with pytest.raises(PlayerError):
        check_url(url, api_base="https://api.round0.example/api/v1")


def test_plain_http_only_when_the_api_is():
    assert check_url("http://127.0.0.1:9/a.mp3", api_base="http://127.0.0.1:8/api/v1")


def test_the_key_is_not_in_the_players_environment():
    env = player_env({"PATH": "/bin", "ROUNDZERO_API_KEY": "rz_live_x",
                      "ROUNDZERO_BASE_URL": "u", "HOME": "/h"})
    assert env == {"PATH": "/bin", "HOME": "/h"}


@pytest.fixture
async def demo_service(demo, tmp_path):
    store = Store(tmp_path / "rz.db")
    async with ApiClient(demo.base_url, DEMO_KEY) as api:
        yield Service(store, api)
    store.close()


def _with_audio() -> str:
    return ds.SPEC_INTERVIEW_ID  # completed, every answer recorded


async def test_a_cached_url_is_played_without_a_request(demo_service, demo):
    iid = _with_audio()
    interview = await demo_service.interview(iid)
    before = demo.stats.total_requests
    source, response = await playable_source(demo_service, iid, None)
    assert demo.stats.total_requests == before
    assert response.question_id == interview.responses[0].question_id
    assert source == response.audio_url and "/audio/" in source


async def test_a_stale_url_is_fetched_again(demo_service, demo):
    iid = _with_audio()
    await demo_service.interview(iid)
    before = demo.stats.total_requests
    source, _ = await playable_source(demo_service, iid, None, now=time.time() + 3 * 86400)
    assert demo.stats.total_requests == before + 1
    assert source.startswith("http")


async def test_the_archived_file_wins(demo_service, tmp_path):
    iid = _with_audio()
    interview = await demo_service.interview(iid)
    qid = interview.responses[0].question_id
    f = tmp_path / "a.mp3"
    f.write_bytes(b"ID3")
    demo_service.store.record_archive(iid, qid, str(f), "0" * 64, 3, "audio/mpeg")
    source, _ = await playable_source(demo_service, iid, qid)
    assert source == str(f)


async def test_no_such_answer(demo_service):
    iid = _with_audio()
    await demo_service.interview(iid)
    with pytest.raises(PlayerError, match="no answer to that question"):
        await playable_source(demo_service, iid, "no-such-question")


def test_the_fake_player_gets_the_source_and_stops(fake_mpv, monkeypatch):
    log = fake_mpv
    monkeypatch.setenv("ROUNDZERO_API_KEY", "rz_live_secret")
    cmd = find_player("https://a.example/x.mp3")
    play = Playback(cmd, "Q1 of Ana")
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = json.loads(log.read_text().splitlines()[0])
    assert seen["argv"] == ["--no-video", "--really-quiet", "--no-terminal", "--",
                            "https://a.example/x.mp3"]
    assert "ROUNDZERO_API_KEY" not in seen["env"]
    assert play.running()
    play.stop()
    assert not play.running() and play.returncode is not None
    play.stop()  # twice is fine
