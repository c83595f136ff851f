"""Audio archive: download each response's recording before its pre-signed URL expires.

Layout: ``DIR/<interview id>/<NN>-<question id>.<ext>`` where ``NN`` is the response's 1-based
position and every component goes through :func:`safe_component`, so no id the API sends
(``../``, absolute paths, NUL, Windows device names, very long names) can leave ``DIR``; the
final path is also resolved and checked to be inside ``DIR`` before anything is written.

* The key never goes to the audio host: downloads use :meth:`ApiClient.audio_client`, which
  also refuses link-local, private and loopback addresses unless the API itself is on one.
* This module is the one home of the "stale audio URL" policy. Audio URLs live 24 h. When one is
  known to be stale (an ``expires`` query parameter in the past, or the interview was fetched
  more than ~24 h ago), or the audio host answers 403/404/410, or cannot be reached at all (the
  host of an old copy's URLs is gone), the interview is fetched again, once, for fresh URLs, and
  the download retried. Front ends just call :func:`archive_interviews`.
* One bad answer fails alone: its URL's shape is vetted first (:func:`audio_url_problem`: CR/LF,
  escapes, 100 KB, ``javascript:``...), and whatever goes wrong with one file is that file's
  failure, named (interview and question), never an exception that stops the others.
* Files are 0600 and directories 0700; a file is written to a temporary ``.*.part`` name and
  renamed. ``.part`` files a killed run left behind are swept on the next run. A folder this run
  created and left empty (every answer failed, or none has audio) is removed again.
* Resumable: a file whose store record (size, sha256) still matches what is on disk is skipped
  without a request.
* Checked: the content type (audio, or a generic binary type), the first bytes (a known audio
  format: an HTML page labelled ``audio/mpeg`` is refused), ``Content-Length``, a size cap on the
  decoded bytes, and a minimum throughput (after a grace period, which also bounds the wait for
  the headers), so neither a huge nor a trickling audio host holds a download forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..api.body import iter_decoded, raw_chunks
from ..api.errors import (
    EXIT_OK,
    EXIT_USAGE,
    AddressRefused,
    CredentialsError,
    NetworkError,
    RequestTimeout,
    ResponseTooLarge,
    RZError,
)
from ..api.models import Interview, Response
from ..api.netguard import audio_url_problem
from ..service import Service
from .audio_names import (
    FAMILIES,
    GENERIC_TYPES,
    SNIFF_BYTES,
    extension_for,
    safe_component,
    sniff_audio,
    url_expired,
    what_it_is,
)

MAX_AUDIO_BYTES = 512 * 1024 * 1024
# Below this average rate (after the grace period) a download is abandoned: 8 KiB/s is 64 kbit/s,
# slower than any usable link. The grace period also bounds the wait for the headers.
MIN_AUDIO_RATE = 8 * 1024
AUDIO_GRACE_SECONDS = 30.0
REFRESH_ON_STATUS = frozenset({403, 404, 410})
CHUNK = 64 * 1024
# A .part file untouched for this long belongs to a run that died (a live download writes to its
# file every few seconds at worst: see MIN_AUDIO_RATE).
STALE_PART_SECONDS = 600.0
# Outcome of one file.
DOWNLOADED = "downloaded"
SKIPPED = "skipped"  # already archived, identical: no request made
UNCHANGED = "unchanged"  # downloaded again, identical to what was on disk
NO_AUDIO = "no_audio"  # the response has no audio_url
FAILED = "failed"


class AudioError(RZError):
    """A recording could not be archived (bad answer from the audio host, size, type...)."""


class UnsafePath(RZError):
    exit_code = EXIT_USAGE


@dataclass
class ArchivedFile:
    index: int  # 1-based position of the response
    question_id: str
    status: str
    path: Path | None = None
    size: int = 0
    sha256: str | None = None
    content_type: str | None = None
    error: RZError | None = None


@dataclass
class ArchiveResult:
    interview_id: str
    directory: Path
    files: list[ArchivedFile] = field(default_factory=list)
    refreshed: bool = False  # the interview was fetched again for fresh URLs

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def downloaded(self) -> int:
        return self.count(DOWNLOADED) + self.count(UNCHANGED)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    @property
    def failed(self) -> list[ArchivedFile]:
        return [f for f in self.files if f.status == FAILED]

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files if f.status in (DOWNLOADED, UNCHANGED))

    @property
    def exit_code(self) -> int:
        return max((f.error.exit_code for f in self.failed if f.error), default=EXIT_OK)

    def summary(self) -> str:
        parts = [f"{self.downloaded} downloaded", f"{self.skipped} already archived"]
        if self.count(NO_AUDIO):
            parts.append(f"{self.count(NO_AUDIO)} without audio")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return f"interview {self.interview_id}: " + ", ".join(parts)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _make_root(root: Path) -> None:
    """Create the archive directory (0700) if needed; an existing one is left as it is."""
    if root.exists():
        if not root.is_dir():
            raise UnsafePath(f"{root} is not a directory")
        return
    root.mkdir(mode=0o700, parents=True)


def _ensure_dir(path: Path, root: Path) -> None:
    """Create ``path`` (0700) under ``root``; refuse anything that resolves outside it."""
    if not _inside(path, root):
        raise UnsafePath(f"refusing to write outside {root}: {path}")
    if path.is_symlink():
        raise UnsafePath(f"refusing to write through a symbolic link: {path}")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and those of its ancestors that do not exist yet, deepest first."""
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    return missing


def _remove_if_empty(dirs: list[Path]) -> None:
    """Remove the folders a run created (deepest first) that it left empty."""
    for directory in dirs:
        try:
            directory.rmdir()
        except OSError:
            return  # not empty (or not ours to remove): its parents are not empty either


def _unexpected(index: int, exc: Exception) -> AudioError:
    """A bug met while archiving one file: that file's failure, the others carry on."""
    text = str(exc)[:120]
    return AudioError(f"Q{index}: internal error ({type(exc).__name__}{': ' if text else ''}"
                      f"{text})")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def _already_archived(record: dict[str, Any] | None, interview_dir: Path, stem: str) -> Path | None:
    """The archived file when the store's record still matches the file on disk."""
    if not record:
        return None
    path = Path(record["path"])
    if path.parent != interview_dir or not path.name.startswith(stem + "."):
        return None  # archived somewhere else (another --dir): archive here too
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != record["size"]:
            return None
        if _sha256_file(path) != record["sha256"]:
            return None
    except OSError:
        return None
    return path


class _Archiver:
    def __init__(
        self,
        service: Service,
        interview: Interview,
        root: Path,
        *,
        now: float | None,
        max_bytes: int,
        min_rate: float,
        grace: float,
        on_file: Callable[[ArchivedFile], None] | None,
    ) -> None:
        self.service = service
        self.interview = interview
        self.root = root
        self.now = now
        self.max_bytes = max_bytes
        self.min_rate = min_rate
        self.grace = grace
        self.on_file = on_file
        self.interview_dir = root / safe_component(interview.id)
        self.result = ArchiveResult(interview.id, self.interview_dir)
        cached = service.store.interview_json(interview.id)
        self.fetched_at: float | None = cached[1] if cached else None

    async def run(self) -> ArchiveResult:
        created = _missing_dirs(self.interview_dir)
        try:
            _make_root(self.root)
            _ensure_dir(self.interview_dir, self.root)
            sweep_partial_files(self.interview_dir)
            records = {
                r["question_id"]: r for r in self.service.store.archived(self.interview.id)
            }
            for index, response in enumerate(self.interview.responses, start=1):
                item = await self._one(index, response, records.get(response.question_id))
                self.result.files.append(item)
                if self.on_file is not None:
                    self.on_file(item)
        finally:
            _remove_if_empty(created)
        return self.result

    async def _refresh(self) -> None:
        if self.result.refreshed:
            return
        self.result.refreshed = True
        self.interview = await self.service.interview(self.interview.id, refresh=True)
        self.fetched_at = time.time()

    def _current_url(self, index: int, question_id: str) -> str | None:
        responses = self.interview.responses
        if index <= len(responses) and responses[index - 1].question_id == question_id:
            return responses[index - 1].audio_url
        for r in responses:
            if r.question_id == question_id:
                return r.audio_url
        return None

    async def _one(
        self, index: int, response: Response, record: dict[str, Any] | None
    ) -> ArchivedFile:
        qid = response.question_id
        item = ArchivedFile(index, qid, NO_AUDIO)
        stem = f"{index:02d}-{safe_component(qid)}"
        done = _already_archived(record, self.interview_dir, stem)
        if done is not None and record is not None:
            item.status, item.path = SKIPPED, done
            item.size, item.sha256 = record["size"], record["sha256"]
            item.content_type = record.get("content_type")
            return item
        url = self._current_url(index, qid)
        if not url:
            return item
        try:
            _vet(index, url)  # a malformed URL is not a stale one: no refetch for it
            if url_expired(url, self.fetched_at, now=self.now) and not self.result.refreshed:
                await self._refresh()
                url = self._current_url(index, qid)
                if not url:
                    return item
            try:
                await self._download(item, url, stem)
            except _Stale:
                await self._refresh()
                url = self._current_url(index, qid)
                if not url:
                    return item
                await self._download(item, url, stem, last_try=True)
        except RZError as exc:
            item.status, item.error = FAILED, exc.with_id(self.interview.id)
        except Exception as exc:  # a bug: this file fails, named; the others carry on
            item.status, item.error = FAILED, _unexpected(index, exc).with_id(self.interview.id)
        return item

    async def _download(self, item: ArchivedFile, url: str, stem: str, *,
                        last_try: bool = False) -> None:
        _vet(item.index, url)  # again: a refetch may have brought another URL
        if self.service.api is None:
            raise CredentialsError("no API key: run `rztui login` or set ROUNDZERO_API_KEY")
        client = self.service.api.audio_client()
        may_refresh = not last_try and not self.result.refreshed
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            # One schedule bounds it all: the headers within `grace`, then at least `min_rate`
            # bytes a second on average (`budget` moves as bytes arrive).
            async with asyncio.timeout_at(started + self.grace) as budget:
                request = client.build_request("GET", url)
                resp = await client.send(request, stream=True)
                try:
                    final, ctype = self._check_answer(item, resp, url, stem, may_refresh)
                    expected = _content_length(resp)
                    final, size, digest, unchanged = await self._save(
                        resp, final, ctype, url, expected, item.index,
                        lambda n: budget.reschedule(started + self.grace + n / self.min_rate),
                    )
                finally:
                    await resp.aclose()
        except TimeoutError:
            raise AudioError(
                f"Q{item.index}: the audio host is too slow (under {self.min_rate:g} "
                f"bytes/s after {self.grace:g}s)"
            ) from None
        except AddressRefused as exc:
            raise AudioError(f"Q{item.index}: {exc.detail}") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if may_refresh:
                raise _Stale() from None  # an old copy's audio host may be gone: fresh URLs
            raise NetworkError(
                f"Q{item.index}: cannot reach the audio host ({type(exc).__name__})"
            ) from None
        except httpx.TimeoutException:
            raise RequestTimeout(f"Q{item.index}: the audio host did not answer in time") \
                from None
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"Q{item.index}: cannot download the audio ({type(exc).__name__})"
            ) from None
        except httpx.InvalidURL:  # not an HTTPError; _vet should have refused it already
            raise AudioError(f"Q{item.index}: audio URL is not a valid URL") from None
        item.status = UNCHANGED if unchanged else DOWNLOADED
        item.path, item.size, item.sha256, item.content_type = final, size, digest, ctype
        self.service.store.record_archive(
            self.interview.id, item.question_id, str(final), digest, size, ctype
        )

    def _check_answer(
        self, item: ArchivedFile, resp: httpx.Response, url: str, stem: str, may_refresh: bool
    ) -> tuple[Path, str]:
        """Status, content type, declared size; the file name the type suggests."""
        if resp.status_code in REFRESH_ON_STATUS and may_refresh:
            raise _Stale()
        if resp.status_code != 200:
            hint = " (the URL expired)" if resp.status_code in REFRESH_ON_STATUS else ""
            raise AudioError(f"Q{item.index}: audio host answered HTTP {resp.status_code}{hint}")
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if not ctype.startswith("audio/") and ctype not in GENERIC_TYPES:
            raise AudioError(
                f"Q{item.index}: not audio (content type {ctype[:40] or 'missing'})"
            )
        expected = _content_length(resp)
        if expected is not None and expected > self.max_bytes:
            raise AudioError(
                f"Q{item.index}: recording is {expected} bytes, over the "
                f"{self.max_bytes}-byte limit"
            )
        final = self._final_path(stem, extension_for(ctype, url))
        return final, ctype

    def _final_path(self, stem: str, ext: str) -> Path:
        final = self.interview_dir / f"{stem}.{ext}"
        if not _inside(final, self.root) or final.parent != self.interview_dir:
            raise UnsafePath(f"refusing to write outside {self.root}")
        return final

    async def _save(
        self, resp: httpx.Response, final: Path, ctype: str, url: str, expected: int | None,
        index: int, progress: Callable[[int], None],
    ) -> tuple[Path, int, str, bool]:
        """Stream to a temporary file, then rename; returns the final path (named after what
        the first bytes turned out to be), the size, the sha256 and whether it was unchanged."""
        h = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=self.interview_dir)
        what = f"Q{index}: recording"
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    async for chunk in iter_decoded(
                        raw_chunks(resp), resp.headers.get("content-encoding"), self.max_bytes,
                        what,
                    ):
                        if len(head) < SNIFF_BYTES:
                            head += chunk[: SNIFF_BYTES - len(head)]
                            if len(head) >= SNIFF_BYTES:
                                final = self._sniffed(final, head, ctype, url, index)
                        size += len(chunk)
                        h.update(chunk)
                        out.write(chunk)
                        progress(size)
                except ResponseTooLarge:
                    raise AudioError(
                        f"Q{index}: recording is over the {self.max_bytes}-byte limit"
                    ) from None
                out.flush()
                os.fsync(out.fileno())
            if expected is not None and size != expected:
                raise AudioError(
                    f"Q{index}: download incomplete ({size} of {expected} bytes)"
                )
            if size == 0:
                raise AudioError(f"Q{index}: the audio host sent an empty file")
            if len(head) < SNIFF_BYTES:
                final = self._sniffed(final, head, ctype, url, index)
            digest = h.hexdigest()
            unchanged = _same_file(final, size, digest)
            if unchanged:
                os.unlink(tmp)  # identical to what is there: keep the file (and its mtime)
            else:
                os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return final, size, digest, unchanged

    def _sniffed(self, final: Path, head: bytes, ctype: str, url: str, index: int) -> Path:
        """Refuse what is not audio; name the file after what the bytes really are."""
        kind = sniff_audio(head)
        if kind is None:
            raise AudioError(
                f"Q{index}: not audio (labelled {ctype[:40] or 'nothing'}, but the data is "
                f"{what_it_is(head)})"
            )
        claimed = extension_for(ctype, url)
        ext = claimed if claimed in FAMILIES.get(kind, {kind}) else kind
        return final if final.suffix == f".{ext}" else self._final_path(final.stem, ext)


def sweep_partial_files(directory: Path, *, older_than: float = STALE_PART_SECONDS) -> int:
    """Delete ``.*.part`` files a killed run left in ``directory``; returns how many.

    Recent ones are kept: they may belong to a download running in another process.
    """
    removed = 0
    cutoff = time.time() - older_than
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".part")):
            continue
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            if st.st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed


def _same_file(path: Path, size: int, digest: str) -> bool:
    try:
        return (
            path.is_file() and not path.is_symlink() and path.stat().st_size == size
            and _sha256_file(path) == digest
        )
    except OSError:
        return False


def _vet(index: int, url: str) -> None:
    """Refuse an audio URL whose shape is wrong, saying why (never repeating it)."""
    problem = audio_url_problem(url)
    if problem is not None:
        raise AudioError(f"Q{index}: audio URL {problem}")


class _Stale(Exception):
    """The audio host refused a URL that a refetch may renew."""


def _content_length(resp: httpx.Response) -> int | None:
    value = resp.headers.get("content-length")
    if value is None or "content-encoding" in resp.headers:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def archive_interview(
    service: Service,
    interview: Interview,
    dest_dir: str | os.PathLike[str],
    *,
    now: float | None = None,
    max_bytes: int = MAX_AUDIO_BYTES,
    min_rate: float = MIN_AUDIO_RATE,
    grace: float = AUDIO_GRACE_SECONDS,
    on_file: Callable[[ArchivedFile], None] | None = None,
) -> ArchiveResult:
    """Archive the audio of one interview under ``dest_dir``; never raises for one bad file.

    Per-file failures are in :attr:`ArchiveResult.failed`; an error that stops the whole
    interview (the directory can't be created) is raised. A stale or unreachable audio URL
    makes it fetch the interview again once and retry (callers need no policy of their own).
    ``max_bytes`` caps each file; below ``min_rate`` bytes/s on average after ``grace``
    seconds (or no headers within ``grace``) a download is abandoned. The TUI calls this for
    each interview its poller sees complete when ``auto_archive`` is on.
    """
    root = Path(dest_dir).expanduser().absolute()
    try:
        return await _Archiver(
            service, interview, root, now=now, max_bytes=max_bytes, min_rate=min_rate,
            grace=grace, on_file=on_file,
        ).run()
    except OSError as exc:
        raise AudioError(
            f"cannot write to {root}: {exc.strerror or exc}", interview_id=interview.id
        ) from None


async def archive_interviews(
    service: Service,
    ids: Iterable[str],
    dest_dir: str | os.PathLike[str],
    *,
    refresh: bool = False,
    concurrency: int = 4,
    on_done: Callable[[str, ArchiveResult | RZError], None] | None = None,
    on_file: Callable[[ArchivedFile], None] | None = None,
    now: float | None = None,
    max_bytes: int = MAX_AUDIO_BYTES,
    min_rate: float = MIN_AUDIO_RATE,
    grace: float = AUDIO_GRACE_SECONDS,
) -> dict[str, ArchiveResult | RZError]:
    """Fetch (cache first) and archive many interviews, a few at a time."""
    interviews = await service.interviews(ids, refresh=refresh)
    sem = asyncio.Semaphore(max(1, concurrency))
    results: dict[str, ArchiveResult | RZError] = {}

    async def one(iid: str, value: Interview | RZError) -> None:
        if isinstance(value, Interview):
            async with sem:
                try:
                    outcome: ArchiveResult | RZError = await archive_interview(
                        service, value, dest_dir, now=now, max_bytes=max_bytes,
                        min_rate=min_rate, grace=grace, on_file=on_file,
                    )
                except RZError as exc:
                    outcome = exc
                except Exception as exc:  # a bug: this interview fails, the others go on
                    text = str(exc)[:120]
                    outcome = AudioError(
                        f"internal error ({type(exc).__name__}{': ' if text else ''}{text})",
                        interview_id=iid,
                    )
        else:
            outcome = value
        results[iid] = outcome
        if on_done is not None:
            on_done(iid, outcome)

    await asyncio.gather(*(one(iid, value) for iid, value in interviews.items()))
    return {iid: results[iid] for iid in interviews}
