"""Where the audio client may connect: public addresses, plus the kind the API itself is on.

Audio URLs come from the API's JSON, so they are untrusted: one pointing at
``169.254.169.254`` (cloud metadata), ``localhost`` or a LAN host would make us fetch from there.
:class:`GuardedTransport` resolves every host itself, checks EVERY address (redirects included),
then connects to the checked address, so a name cannot resolve to one thing for the check and
another for the connection. Refused: link-local, loopback, private and reserved addresses,
unless the API's own host is of that kind (the demo server is on loopback, its audio too).

Before any of that, :func:`audio_url_problem` vets the URL's shape once (http(s), a host, no
control characters, a sane length), so a hostile URL is one answer's failure, named, and never
an exception from deep inside httpx.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from .errors import AddressRefused

AddressKind = Literal["public", "private", "loopback", "link-local", "reserved"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A pre-signed URL is a few hundred bytes, a long CloudFront policy one a few KB; httpx itself
# stops at 64 KB, with an exception.
MAX_AUDIO_URL = 8192
# Control characters (C0, DEL, C1), invisible format characters (bidi overrides, zero widths),
# line and paragraph separators, and spaces: none belongs in a URL sent to us.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})
_KIND_WORDS: dict[str, str] = {
    "private": "a private",
    "loopback": "a loopback",
    "link-local": "a link-local",
    "reserved": "a reserved",
}


def _embedded_v4(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside ``::ffff:a.b.c.d``, 6to4 and NAT64 forms."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_kind(address: str | IPAddress) -> AddressKind:
    ip = ipaddress.ip_address(address.split("%")[0] if isinstance(address, str) else address)
    ip = _embedded_v4(ip)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_global:
        return "public"
    return "private"  # RFC 1918, ULA, CGNAT, documentation ranges...


def audio_url_problem(url: object) -> str | None:
    """Why ``url`` (an API's ``audio_url``) may not be fetched, or None when its shape is fine.

    The reason never repeats the URL (it may hold terminal escapes or be 100 KB long). Where it
    may connect is decided later, per address (:class:`AddressPolicy`)."""
    if not isinstance(url, str):
        return "is not text"
    if not url:
        return "is empty"
    if len(url) > MAX_AUDIO_URL:
        return f"is too long ({len(url):,} characters, over {MAX_AUDIO_URL:,})"
    for ch in url:
        category = unicodedata.category(ch)
        if category in _BAD_CATEGORIES:
            what = "a space" if category == "Zs" else "a control character"
            return f"contains {what} (U+{ord(ch):04X})"
    scheme = url.partition(":")[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        return "is not http(s)"
    try:
        parsed = httpx.URL(url)
        urlsplit(url).port  # noqa: B018 (out of range raises ValueError; httpx lets it pass)
    except (httpx.InvalidURL, ValueError):
        return "is not a valid URL"
    if not parsed.host:
        return "has no host"
    if parsed.userinfo:
        return "carries a user name or password"
    return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    literal = host.strip("[]")
    try:
        ipaddress.ip_address(literal.split("%")[0])
        return [literal]
    except ValueError:
        pass
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressPolicy:
    """Public addresses always; other kinds only when the API's host is of that kind."""

    def __init__(self, api_host: str | None, *, extra: Iterable[AddressKind] = ()) -> None:
        self.api_host = api_host
        self._allowed: set[AddressKind] = {"public", *extra}
        self._api_checked = api_host is None

    async def _learn_api_kinds(self) -> None:
        if self._api_checked or self.api_host is None:
            return
        self._api_checked = True
        try:
            addresses = await resolve(self.api_host, 443)
        except OSError:
            return  # the API cannot be resolved either: public audio only
        self._allowed.update(address_kind(a) for a in addresses)

    async def allowed(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` we may connect to; raise AddressRefused if none."""
        await self._learn_api_kinds()
        addresses = await resolve(host, port)
        good = [a for a in addresses if address_kind(a) in self._allowed]
        if not good:
            kind = address_kind(addresses[0]) if addresses else "reserved"
            raise AddressRefused(
                f"refusing to fetch audio from {_KIND_WORDS.get(kind, 'an unusual')} address "
                f"({addresses[0] if addresses else host})"
            )
        return good


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self.policy.allowed(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("refusing to fetch audio through a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport (no proxy) whose every connection goes through the policy."""

    def __init__(self, policy: AddressPolicy, *, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=8, max_keepalive_connections=4)
        super().__init__(limits=limits, trust_env=False)
        # httpx has no public way to pass a network backend; the pool it builds is replaced
        # with the same one plus ours (tests/api/test_netguard.py fails if this stops working).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )
