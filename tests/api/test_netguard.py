"""The audio client only connects where the address policy allows (rztui.api.netguard)."""

from __future__ import annotations

import time

import pytest
from faultserver import FaultServer, reply

from rztui.api.client import ApiClient
from rztui.api.errors import AddressRefused
from rztui.api.netguard import address_kind, audio_url_problem

KEY = "rz_test_netguard_0123"


@pytest.mark.parametrize(
    "address, kind",
    [
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of it
        ("127.0.0.1", "loopback"),
        ("127.1.2.3", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd00::1", "private"),
        ("0.0.0.0", "reserved"),
        ("224.0.0.1", "reserved"),
        ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"),
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


@pytest.fixture
def audio_host():
    with FaultServer() as srv:
        srv.route("/a.wav", reply(200, b"RIFF\0\0\0\0WAVE", content_type="audio/wav"))
        yield srv


async def test_api_on_loopback_allows_loopback_audio_but_not_link_local(audio_host):
    async with ApiClient("http://127.0.0.1:9", KEY) as api:
        resp = await api.audio_client().get(audio_host.base_url + "/a.wav")
        assert resp.status_code == 200 and resp.content.startswith(b"RIFF")
        for url in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/a.wav",
                    "http://[::ffff:169.254.169.254]/a.wav", "http://0.0.0.0:80/a.wav"):
            started = time.monotonic()
            with pytest.raises(AddressRefused) as info:
                await api.audio_client().get(url)
            assert time.monotonic() - started < 1  # refused before any connection attempt
            assert "refusing to fetch audio from a" in info.value.message


async def test_api_on_a_public_address_refuses_loopback_audio(audio_host):
    async with ApiClient("https://8.8.8.8", KEY) as api:
        for url in (audio_host.base_url + "/a.wav",
                    audio_host.base_url.replace("127.0.0.1", "localhost") + "/a.wav"):
            with pytest.raises(AddressRefused, match="loopback"):
                await api.audio_client().get(url)
        with pytest.raises(AddressRefused, match="link-local"):
            await api.audio_client().get("http://169.254.169.254/")
    assert audio_host.stats.requests == []  # nothing ever reached it


async def test_a_redirect_to_a_refused_address_is_refused(audio_host):
    audio_host.route("/go", reply(302, b"", [("Location", "http://169.254.169.254/x")]))
    async with ApiClient("http://127.0.0.1:9", KEY) as api:
        with pytest.raises(AddressRefused, match="link-local"):
            await api.audio_client().get(audio_host.base_url + "/go")
    assert audio_host.stats.count("/go") == 1


async def test_the_audio_client_carries_no_key_and_ignores_proxy_settings(
        audio_host, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    async with ApiClient("http://127.0.0.1:9", KEY) as api:
        resp = await api.audio_client().get(audio_host.base_url + "/a.wav")
    assert resp.status_code == 200
    assert "authorization" not in audio_host.stats.requests[0].headers


# --------------------------------------------------------------------------- the URL's shape

GOOD = "https://audio.example.com/i/q1.wav?expires=1700000000&sig=abc%2Fdef"


@pytest.mark.parametrize(
    "url, reason",
    [
        (GOOD + "\r\nX-Injected: 1", "control character"),
        (GOOD + "\n", "control character"),
        (GOOD + "\x1b[2J", "control character"),
        (GOOD + "\x00", "control character"),
        (GOOD + "\x9b", "control character"),
        (GOOD + "\u2028", "control character"),
        (GOOD + "\u202e", "control character"),
        (GOOD + " x", "space"),
        (GOOD + "&pad=" + "a" * 100_000, "long"),
        ("javascript:alert(1)", "not http(s)"),
        ("file:///etc/passwd", "not http(s)"),
        ("data:audio/wav;base64,UklGRg==", "not http(s)"),
        ("//audio.example.com/q.wav", "not http(s)"),
        ("https:///q.wav", "no host"),
        ("https://user:pw@audio.example.com/q.wav", "user name"),
        ("http://[::1/q.wav", "not a valid URL"),
        ("http://audio.example.com:99999/q.wav", "not a valid URL"),
        ("", "empty"),
    ],
)
def test_audio_url_problems(url, reason):
    problem = audio_url_problem(url)
    assert problem is not None and reason in problem, problem
    assert len(problem) < 100 and problem.isprintable()  # says why, never echoes the URL


@pytest.mark.parametrize("url", [
    GOOD, "http://127.0.0.1:8765/audio/x/q.wav", "https://[2606:4700::1111]/a.mp3",
    "https://a.example/q.wav?X-Amz-Signature=" + "f" * 64 + "&X-Amz-Date=20240116T143000Z",
    "https://a.example/%E6%97%A5%E6%9C%AC.wav", "HTTPS://A.EXAMPLE/Q.WAV",
])
def test_ordinary_audio_urls_pass(url):
    assert audio_url_problem(url) is None
