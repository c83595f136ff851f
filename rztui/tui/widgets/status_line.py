"""The top bar (app, API host, masked key) and the status line (sync, rate limit, offline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from textual.content import Content
from textual.widgets import Static

from ...formats import relative_time
from ...textsafe import clean_line


def host_of(base_url: str) -> str:
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return clean_line(base_url)[:60]
    return clean_line(parts.netloc or base_url)[:60]


class TopBar(Static):
    """``rztui · <host> · <masked key> · demo``: never the key itself."""

    def show(self, *, base_url: str, masked_key: str, demo: bool, busy: str = "") -> None:
        parts: list[tuple[str, str] | str] = [(" rztui ", "bold reverse"), "  ",
                                              (host_of(base_url), "bold")]
        parts += ["  ", ("key ", "dim"), masked_key]
        if demo:
            parts += ["  ", (" DEMO ", "bold $warning-muted")]
        if busy:
            parts += ["  ", (busy, "italic $text-accent")]
        self.update(Content.assemble(*parts))


@dataclass
class SyncState:
    last_sync: datetime | None = None
    online: bool | None = None  # None: nothing sent yet
    offline_reason: str = ""
    rate_limit: int | None = None
    rate_remaining: int | None = None
    has_key: bool = True
    activity: str = ""


class StatusLine(Static):
    """``synced 2m ago · 87/100 requests left · online`` (or why we are offline)."""

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self._clock = clock
        self.state = SyncState()

    def on_mount(self) -> None:
        self.render_state()
        self.set_interval(15, self.render_state)  # "synced 2m ago" moves on

    def update_state(self, **changes: object) -> None:
        for name, value in changes.items():
            setattr(self.state, name, value)
        self.render_state()

    def render_state(self) -> None:
        st = self.state
        parts: list[tuple[str, str] | str] = []
        if not st.has_key:
            parts.append(("no API key: showing cached data (ctrl+k to enter one)", "$text-warning"))
        elif st.online is False:
            reason = f": {st.offline_reason}" if st.offline_reason else ""
            parts.append((f"offline{reason}; showing cached data", "$text-error"))
        elif st.online:
            parts.append(("online", "$text-success"))
        else:
            parts.append(("not synced yet", "dim"))
        if st.last_sync is not None:
            parts += [" · ", f"synced {relative_time(st.last_sync, self._clock())}"]
        if st.rate_remaining is not None:
            limit = f"/{st.rate_limit}" if st.rate_limit is not None else ""
            style = "$text-warning" if st.rate_limit and st.rate_remaining < st.rate_limit * 0.1 \
                else ""
            parts += [" · ", (f"{st.rate_remaining}{limit} requests left", style)]
        if st.activity:
            parts += [" · ", (st.activity, "italic")]
        self.update(Content.assemble(*parts))
