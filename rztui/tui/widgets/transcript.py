"""The transcript viewer: a virtualised view that renders only the lines on screen.

A transcript can be 100,000 characters. As one markup ``Static`` it would be parsed, wrapped and
laid out as a whole on every open. Here a document is a list of plain-text ``Block`` s (already
cleaned of terminal controls, never parsed as markup); wrapping keeps character offsets
(Rich's word wrap, ``compat.wrap_offsets``) so a search match maps straight to a line, and
``render_line`` only builds the visible lines, with an LRU cache.

The "current answer" (what ``c`` copies, marked with a bar in the gutter) is the answer at the
top of the view, or the one last jumped to (outline, search, ``[``/``]``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

from ..compat import wrap_offsets
from ..keys import SEARCH_BAR, TRANSCRIPT
from .transcript_doc import (
    GUTTER,
    Block,
    Document,
    build_doc,
    build_interview_doc,
    build_state_doc,
    error_doc,
    message_doc,
)

__all__ = ["Block", "Document", "TranscriptPane", "TranscriptView", "build_doc",
           "build_interview_doc", "build_state_doc", "error_doc", "message_doc", "wrap_block"]

def wrap_block(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) character offsets of each wrapped line of ``text``."""
    width = max(4, width)
    out: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        n = len(para)
        if n <= width and para.isascii():
            out.append((pos, pos + n))
        elif not para:
            out.append((pos, pos))
        else:
            breaks = wrap_offsets(para, width)
            starts = [0, *breaks]
            ends = [*breaks, n]
            out.extend((pos + s, pos + e) for s, e in zip(starts, ends, strict=True))
        pos += n + 1
    return out


class TranscriptView(ScrollView, can_focus=True):
    """Renders a Document line by line; search highlights; tracks the current answer."""

    DEFAULT_CSS = """
    TranscriptView {
        height: 1fr;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
        background: $surface;
        &:focus {
            background-tint: $foreground 3%;
        }
        & > .transcript--text { color: $foreground; }
        & > .transcript--title { color: $text; text-style: bold; }
        & > .transcript--job { color: $text-primary; text-style: bold; }
        & > .transcript--meta { color: $foreground-muted; }
        & > .transcript--label { color: $foreground-muted; }
        & > .transcript--question { color: $text; text-style: bold; }
        & > .transcript--number { color: $text-accent; text-style: bold; }
        & > .transcript--tag { color: $text-secondary; }
        & > .transcript--rating { color: $text-accent; text-style: bold; }
        & > .transcript--note { color: $foreground; text-style: italic; }
        & > .transcript--answer { color: $foreground; }
        & > .transcript--rule { color: $panel-lighten-2; }
        & > .transcript--banner { color: $text-warning; }
        & > .transcript--warning { color: $text-warning; text-style: bold; }
        & > .transcript--error { color: $text-error; text-style: bold; }
        & > .transcript--match { background: $warning 35%; }
        & > .transcript--match-current {
            background: $warning;
            color: $background;
            text-style: bold;
        }
        & > .transcript--gutter { color: $accent; }
        & > .transcript--completed { color: $text-success; text-style: bold; }
        & > .transcript--in-progress { color: $text-warning; text-style: bold; }
        & > .transcript--invited { color: $text-primary; text-style: bold; }
        & > .transcript--expired { color: $text-error; text-style: bold; }
        & > .transcript--unknown { color: $text-secondary; text-style: bold; }
    }
    """
    COMPONENT_CLASSES = {
        "transcript--text", "transcript--title", "transcript--job", "transcript--meta",
        "transcript--label", "transcript--question", "transcript--number", "transcript--tag",
        "transcript--answer", "transcript--rule", "transcript--banner", "transcript--warning",
        "transcript--error", "transcript--match", "transcript--match-current",
        "transcript--gutter", "transcript--completed", "transcript--in-progress",
        "transcript--invited", "transcript--expired", "transcript--unknown",
        "transcript--rating", "transcript--note",
    }

    BINDINGS = TRANSCRIPT.bindings

    current_response: reactive[int | None] = reactive(None, always_update=True, layout=False)

    class CurrentChanged(Message):
        def __init__(self, response: int | None) -> None:
            self.response = response
            super().__init__()

    class SearchMoved(Message):
        """The current match changed: (index, count)."""

        def __init__(self, index: int | None, count: int) -> None:
            self.index = index
            self.count = count
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.doc = Document([], "empty")
        self._lines: list[tuple[int, int, int]] = []  # (block, start, end)
        self._block_first_line: list[int] = []
        self._response_first_line: dict[int, int] = {}
        self._wrapped_width = -1
        self._cache: LRUCache[tuple, Strip] = LRUCache(2048)
        self._generation = 0
        self._pinned = False
        self.search_term = ""
        self.matches: list[tuple[int, int, int]] = []  # (block, start, end) in document order
        self._matches_by_block: dict[int, list[tuple[int, int, int]]] = {}
        self.match_index: int | None = None

    # -- document --------------------------------------------------------------------------

    def set_document(self, doc: Document, *, keep_position: bool = False) -> None:
        """Show ``doc``. With ``keep_position`` and the same interview (a live update: new
        answers arrived), the reader's scroll position, current answer and current find match
        stay where they were."""
        same = keep_position and doc.interview_id == self.doc.interview_id
        top = self.scroll_y if same else 0
        current = self.current_response if same else None
        pinned = self._pinned if same else False
        match = self.match_index if same else None
        anchor = self._anchor(int(top)) if same else None
        self.doc = doc
        self._wrapped_width = -1
        self._generation += 1
        self._cache.clear()
        self._rewrap()
        self._find_matches()
        if anchor is not None and anchor[0] in self._response_first_line:
            # The header above the answers can change size (the status changed): keep the
            # same text at the top, not the same line number.
            top = max(0, self._response_first_line[anchor[0]] + anchor[1])
        if match is not None and match < len(self.matches):
            self.match_index = match  # earlier answers come first: the same match
        self._pinned = pinned
        self.scroll_to(0, min(top, max(0, len(self._lines) - 1)), animate=False, immediate=True)
        self.current_response = current if current is not None else self._response_at_top()
        if current is None and self.current_response is None:
            self.call_after_refresh(self._settle_current)
        if self.search_term:
            self.post_message(self.SearchMoved(self.match_index, len(self.matches)))
        self.refresh()

    def _anchor(self, top: int) -> tuple[int, int] | None:
        """(answer, lines from its first line) for the line at ``top``; in the header, the
        (negative) distance to the first answer."""
        if not self._lines or not self._response_first_line:
            return None
        top = min(top, len(self._lines) - 1)
        response = self.doc.blocks[self._lines[top][0]].response
        if response is None:
            first = min(self._response_first_line)
            if top < self._response_first_line[first]:
                return first, top - self._response_first_line[first]
            return None
        return response, top - self._response_first_line[response]

    def _settle_current(self) -> None:
        """After the first layout the height is known: pick the answer on screen."""
        if not self._pinned and self.current_response is None:
            self.current_response = self._response_at_top()

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def _text_width(self) -> int:
        # Not the scrollable region: it shrinks when the scrollbar appears, and a document set
        # again (a live update) would wrap narrower than the first time. The 1 is its room.
        return max(10, self.content_region.width - GUTTER - 1)

    def _rewrap(self) -> None:
        width = self._text_width() if self.size.width else 80
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        lines: list[tuple[int, int, int]] = []
        firsts: list[int] = []
        resp_first: dict[int, int] = {}
        for bi, block in enumerate(self.doc.blocks):
            firsts.append(len(lines))
            if block.response is not None and block.response not in resp_first:
                resp_first[block.response] = len(lines)
            lines.extend((bi, s, e) for s, e in wrap_block(block.text, width - block.indent))
        self._lines = lines
        self._block_first_line = firsts
        self._response_first_line = resp_first
        self._cache.clear()
        self.virtual_size = Size(width + GUTTER, len(lines))

    def on_resize(self, _event: events.Resize) -> None:
        before = self._wrapped_width
        self._rewrap()
        if before != self._wrapped_width and self.match_index is not None:
            self._scroll_to_match(self.match_index)
        elif not self._pinned:
            self.current_response = self._response_at_top()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # -- rendering -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        key = (index, width, self._generation, self.current_response, self.match_index,
               self.search_term)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_index(index, base).crop_extend(scroll_x, scroll_x + width,
                                                                 base)
            self._cache[key] = strip
        return strip.apply_offsets(scroll_x, index)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _render_index(self, index: int, base: Style) -> Strip:
        bi, start, end = self._lines[index]
        block = self.doc.blocks[bi]
        raw = block.text[start:end]
        shown = raw.rstrip()
        text = Text(shown, end="", no_wrap=True)
        text.stylize(self._style(block.style))  # a span: Text.render ignores the base style
        for s, e, cls in block.spans:
            if s < end and e > start:
                text.stylize(self._style(cls), max(s, start) - start, min(e, end) - start)
        for ms, me, mi in self._matches_by_block.get(bi, ()):
            if ms < end and me > start:
                cls = ("transcript--match-current" if mi == self.match_index
                       else "transcript--match")
                text.stylize(self._style(cls), max(ms, start) - start, min(me, end) - start)
        segments: list[Segment] = []
        is_current = block.response is not None and block.response == self.current_response
        if is_current:
            segments.append(Segment("▌ ", base + self._style("transcript--gutter")))
        else:
            segments.append(Segment(" " * GUTTER, base))
        if block.indent:
            segments.append(Segment(" " * block.indent, base))
        segments.extend(Segment(seg.text, base + seg.style if seg.style else base)
                        for seg in text.render(self.app.console))
        return Strip(segments)

    # -- current answer --------------------------------------------------------------------

    def _response_at_top(self) -> int | None:
        if not self._lines or not self.doc.responses:
            return None
        top = int(self.scroll_y)
        height = max(1, self.scrollable_content_region.height)
        first_block = self.doc.blocks[self._lines[min(top, len(self._lines) - 1)][0]]
        if first_block.response is not None:
            return first_block.response
        for index in range(top, min(top + height, len(self._lines))):
            response = self.doc.blocks[self._lines[index][0]].response
            if response is not None:
                return response
        return None

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self._pinned:
            current = self._response_at_top()
            if current != self.current_response:
                self.current_response = current

    def watch_current_response(self, value: int | None) -> None:
        self._cache.clear()
        self.refresh()
        self.post_message(self.CurrentChanged(value))

    def scroll_to_response(self, response: int) -> bool:
        line = self._response_first_line.get(response)
        if line is None:
            return False
        self._pinned = True
        self.scroll_to(0, line, animate=False, immediate=True)
        self.current_response = response
        return True

    def _unpin(self) -> None:
        self._pinned = False

    def action_line_up(self) -> None:
        self._unpin()
        self.scroll_to(y=self.scroll_y - 1, animate=False, immediate=True)

    def action_line_down(self) -> None:
        self._unpin()
        self.scroll_to(y=self.scroll_y + 1, animate=False, immediate=True)

    def action_page_up_(self) -> None:
        self._unpin()
        self.scroll_to(y=self.scroll_y - max(1, self.scrollable_content_region.height - 1),
                       animate=False, immediate=True)

    def action_page_down_(self) -> None:
        self._unpin()
        self.scroll_to(y=self.scroll_y + max(1, self.scrollable_content_region.height - 1),
                       animate=False, immediate=True)

    def action_top(self) -> None:
        self._unpin()
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_bottom(self) -> None:
        self._unpin()
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def action_next_answer(self) -> None:
        if not self.doc.responses:
            return
        current = self.current_response
        target = 0 if current is None else min(current + 1, self.doc.responses - 1)
        self.scroll_to_response(target)

    def action_previous_answer(self) -> None:
        if not self.doc.responses:
            return
        current = self.current_response
        target = 0 if current is None else max(current - 1, 0)
        self.scroll_to_response(target)

    def on_mouse_scroll_down(self, _event: events.MouseScrollDown) -> None:
        self._unpin()

    def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        self._unpin()

    def on_click(self, event: events.Click) -> None:
        """Clicking a line makes its answer the current one (what `c` copies)."""
        index = int(self.scroll_y) + event.y
        if 0 <= index < len(self._lines):
            response = self.doc.blocks[self._lines[index][0]].response
            if response is not None:
                self._pinned = True
                self.current_response = response

    # -- search ----------------------------------------------------------------------------

    def set_search(self, term: str, *, in_response: int | None = None) -> None:
        """Highlight every match of ``term`` (case-insensitive) and go to the first one at or
        after the top of the view (or the first one in answer ``in_response``, if any)."""
        self.search_term = term
        self._find_matches()
        if self.matches:
            top_line = int(self.scroll_y)
            start = 0
            for i, (bi, s, _e) in enumerate(self.matches):
                if self._line_of(bi, s) >= top_line:
                    start = i
                    break
            if in_response is not None:
                start = next((i for i, (bi, _s, _e) in enumerate(self.matches)
                              if self.doc.blocks[bi].response == in_response), start)
            self.match_index = start
            self._scroll_to_match(start)
        else:
            self.match_index = None
        self._cache.clear()
        self.refresh()
        self.post_message(self.SearchMoved(self.match_index, len(self.matches)))

    def _find_matches(self) -> None:
        self.matches = []
        self._matches_by_block = {}
        self.match_index = None
        term = self.search_term
        if not term:
            return
        pattern = re.compile(re.escape(term), re.IGNORECASE)
        for bi, block in enumerate(self.doc.blocks):
            if not block.searchable:
                continue
            found = [(m.start(), m.end()) for m in pattern.finditer(block.text)]
            if found:
                base = len(self.matches)
                self.matches.extend((bi, s, e) for s, e in found)
                self._matches_by_block[bi] = [
                    (s, e, base + k) for k, (s, e) in enumerate(found)
                ]

    def _line_of(self, block: int, offset: int) -> int:
        first = self._block_first_line[block]
        last = (self._block_first_line[block + 1] if block + 1 < len(self._block_first_line)
                else len(self._lines))
        starts = [self._lines[i][1] for i in range(first, last)]
        return first + max(0, bisect_right(starts, offset) - 1)

    def _scroll_to_match(self, index: int) -> None:
        bi, start, _end = self.matches[index]
        line = self._line_of(bi, start)
        height = max(1, self.scrollable_content_region.height)
        self._pinned = True
        if not (self.scroll_y <= line < self.scroll_y + height - 1):
            self.scroll_to(0, max(0, line - height // 3), animate=False, immediate=True)
        response = self.doc.blocks[bi].response
        if response is not None:
            self.current_response = response

    def _step(self, delta: int) -> None:
        if not self.matches:
            if self.search_term:
                self.app.notify(f"No match for “{self.search_term}”", markup=False,
                                severity="warning", timeout=2)
            return
        current = -1 if self.match_index is None and delta > 0 else (self.match_index or 0)
        self.match_index = (current + delta) % len(self.matches)
        self._scroll_to_match(self.match_index)
        self._cache.clear()
        self.refresh()
        self.post_message(self.SearchMoved(self.match_index, len(self.matches)))

    def action_next_match(self) -> None:
        self._step(1)

    def action_previous_match(self) -> None:
        self._step(-1)


class SearchBar(Horizontal):
    """ctrl+f: find in the transcript. Enter = next match, Escape = close."""

    DEFAULT_CSS = """
    SearchBar {
        height: 1;
        background: $boost;
    }
    SearchBar > #search-input {
        width: 1fr;
        border: none;
        height: 1;
    }
    SearchBar > #search-count {
        width: auto;
        min-width: 12;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS = SEARCH_BAR.bindings

    class Closed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Input(placeholder="find in transcript", id="search-input", compact=True)
        yield Static("", id="search-count", markup=False)

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())

    def set_count(self, index: int | None, count: int, term: str) -> None:
        if not term:
            text = ""
        elif count == 0:
            text = "no matches"
        else:
            text = f"{(index or 0) + 1}/{count}"
        self.query_one("#search-count", Static).update(Content(text))


class TranscriptPane(Vertical):
    """Search bar + transcript view."""

    def __init__(self, *, clock: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self._clock = clock
        self._bar = SearchBar(id="search-bar")
        self._bar.display = False
        self._view = TranscriptView(id="transcript")

    def compose(self) -> ComposeResult:
        yield self._bar
        yield self._view

    @property
    def view(self) -> TranscriptView:
        """Made with the pane, so it is there (mounted or not) as long as the pane is: news
        that arrives while the app closes finds it."""
        return self._view

    def open_search(self) -> None:
        bar = self._bar
        bar.display = True
        field_ = bar.query_one(Input)
        field_.focus()
        if self.view.search_term and not field_.value:
            field_.value = self.view.search_term

    def clear_find(self) -> None:
        """Close the find bar and drop its highlights (a jump that did not come from a
        search: an earlier term would say "no matches" in another transcript)."""
        bar = self._bar
        bar.display = False
        field_ = bar.query_one(Input)
        with field_.prevent(Input.Changed):
            field_.value = ""
        if self.view.search_term:
            self.view.set_search("")

    def find(self, term: str, *, in_response: int | None = None) -> None:
        """Open the find bar with ``term`` and go to its first match in answer ``in_response``
        (a global search hit), else the first at or after the top of the view. The focus goes
        to the text, so ``n``/``N`` work at once."""
        bar = self._bar
        bar.display = True
        field_ = bar.query_one(Input)
        with field_.prevent(Input.Changed):
            field_.value = term
        self.view.set_search(term, in_response=in_response)
        self.view.focus()

    @on(Input.Changed, "#search-input")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.view.set_search(event.value)

    @on(Input.Submitted, "#search-input")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        view = self.view
        if view.search_term != event.value:
            view.set_search(event.value)
        elif view.matches:
            view.action_next_match()
        view.focus()

    @on(TranscriptView.SearchMoved)
    def _search_moved(self, event: TranscriptView.SearchMoved) -> None:
        self.query_one(SearchBar).set_count(event.index, event.count, self.view.search_term)

    @on(SearchBar.Closed)
    def _search_closed(self, event: SearchBar.Closed) -> None:
        event.stop()
        self.view.focus()
