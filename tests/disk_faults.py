"""Real disk faults for tests: a tiny disk that fills up, and a read-only folder.

Both need root for the real thing (a tmpfs, a read-only bind mount); tests that need them skip
otherwise. Imported as ``disk_faults`` (tests/ is on the path: its conftest.py is there)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _unmount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@contextlib.contextmanager
def tiny_disk(parent: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs under ``parent``: a real disk that fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = parent / "tiny"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs",
                           str(folder)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        _unmount(folder)


def fill_disk(folder: Path, spare: int = 0) -> Path:
    """Fill the disk ``folder`` is on, then free ``spare`` bytes again; returns the filler."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    if spare:
        os.truncate(filler, filler.stat().st_size - spare)
    return filler


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` read-only; yields the reason the OS will give. As root, permission bits
    do not stop writes: a read-only bind mount of the folder onto itself does."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o500)
        try:
            yield os.strerror(errno.EACCES)
        finally:
            os.chmod(folder, 0o700)
        return
    done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True,
                          text=True)
    if done.returncode:
        pytest.skip(f"cannot bind-mount as root here: {done.stderr.strip()}")
    try:
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
        yield os.strerror(errno.EROFS)
    finally:
        _unmount(folder)
