"""The journal of committed changes: one JSON entry per line, appended and synced before a change is acknowledged.

A crash can leave the last line torn (a kill in the middle of a long append),
and a disk can hand back bytes that are not the entry written. On start,
``read`` keeps exactly the entries before the first line that is torn or does
not parse, moves that line and everything after it to a file named
``<journal>.rejected-<UTC time>`` beside the journal (never dropped silently,
never printed: entries hold client data), logs what it did, and truncates the
journal to the good entries. A line without its newline was never
acknowledged: its ``fsync`` had not returned.

``append`` writes one line and syncs it; if the write fails (a read-only or
full disk), the journal is cut back to its size before the write, so the next
append does not follow a torn line, and the error is a ``StorageError``. A
journal found ending in a torn line (a store reopened without reading its
journal) has that line set aside before anything is appended after it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ipkg.errors import StorageError

log = logging.getLogger("ipkg.store")

T = TypeVar("T")

REJECTED_SUFFIX = ".rejected-"
"""Set-aside tails are named ``<journal>.rejected-<YYYYMMDDTHHMMSSZ>``."""


class Journal:
    """The journal file at ``path`` (created on the first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._broken: str | None = None

    def read(self, parse: Callable[[Any], T]) -> list[T]:
        """The entries, each through ``parse``; a torn or corrupt tail is set aside (see the module docstring).

        Raises:
            StorageError: the journal cannot be read, or its bad tail cannot be set aside.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"cannot read the journal {self.path}: {exc.strerror}") from exc
        entries: list[T] = []
        start = 0
        number = 0
        while start < len(data):
            end = data.find(b"\n", start)
            number += 1
            line = data[start:] if end < 0 else data[start:end]
            problem = "the line is torn (no newline: it was never acknowledged)" if end < 0 else None
            if problem is None and line.strip():
                try:
                    entries.append(parse(json.loads(line.decode("utf-8"))))
                except UnicodeDecodeError as exc:
                    problem = f"invalid UTF-8 at byte {exc.start} of the line"
                except (ValueError, KeyError, TypeError) as exc:
                    problem = f"not a journal entry ({type(exc).__name__}: {str(exc)[:160]})"
            if problem is not None:
                self._set_aside(data[start:], start, f"line {number}", f"the {len(entries)} entries before it", problem)
                break
            start = len(data) if end < 0 else end + 1
        return entries

    def _set_aside(self, tail: bytes, offset: int, where: str, kept: str, problem: str) -> None:
        """Move ``tail`` (the journal from byte ``offset`` on) to a new file beside it, then cut the journal there."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = self.path.with_name(f"{self.path.name}{REJECTED_SUFFIX}{stamp}")
        suffix = 1
        while aside.exists():
            suffix += 1
            aside = self.path.with_name(f"{self.path.name}{REJECTED_SUFFIX}{stamp}-{suffix}")
        try:
            with aside.open("xb") as handle:
                handle.write(tail)
                handle.flush()
                os.fsync(handle.fileno())
            with self.path.open("r+b") as handle:
                handle.truncate(offset)
                handle.flush()
                os.fsync(handle.fileno())
            _sync_directory(self.path.parent)
        except OSError as exc:
            raise StorageError(
                f"the journal {self.path} has a torn or corrupt entry at {where} ({problem}), and it cannot "
                f"be set aside: {exc.strerror}; make {self.path.parent} writable and start again"
            ) from exc
        log.warning(
            "journal %s: %s: %s; kept %s, and moved that line and the rest (%d bytes) to %s",
            self.path,
            where,
            problem,
            kept,
            len(tail),
            aside,
        )

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry (with the time) and sync it: once this returns, the entry survives a crash.

        Raises:
            StorageError: the entry could not be written and synced (nothing of it is left in the journal).
        """
        if self._broken is not None:
            raise StorageError(f"the journal cannot be written since an earlier failure ({self._broken}); restart")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        line = (json.dumps({"time": stamp, **entry}) + "\n").encode("ascii")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot write the journal {self.path}: {exc.strerror}; nothing was changed") from exc
        try:
            size = self._heal(descriptor, os.fstat(descriptor).st_size)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(descriptor, view) :]
                os.fsync(descriptor)  # acknowledged means on disk
                if created:
                    _sync_directory(self.path.parent)
            except OSError as exc:
                self._cut_back(descriptor, size, exc)
                raise StorageError(
                    f"cannot write the journal {self.path}: {exc.strerror}; nothing was changed"
                ) from exc
        finally:
            os.close(descriptor)

    def _heal(self, descriptor: int, size: int) -> int:
        """Set aside a torn last line (no newline) before appending; the size the journal then has."""
        if not size or os.pread(descriptor, 1, size - 1) == b"\n":
            return size
        start = max(0, size - 1024 * 1024)
        while True:
            chunk = os.pread(descriptor, size - start, start)
            newline = chunk.rfind(b"\n")
            if newline >= 0 or start == 0:
                break
            start = max(0, start - 1024 * 1024)
        offset = start + newline + 1 if newline >= 0 else 0
        tail = os.pread(descriptor, size - offset, offset)
        self._set_aside(tail, offset, "the last line", "every complete line", "it is torn (no newline)")
        return offset

    def _cut_back(self, descriptor: int, size: int, cause: OSError) -> None:
        try:
            os.ftruncate(descriptor, size)
            os.fsync(descriptor)
        except OSError:
            self._broken = cause.strerror or type(cause).__name__


def _sync_directory(directory: Path) -> None:
    """Make a new or renamed file's directory entry durable (best effort where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = ["REJECTED_SUFFIX", "Journal"]
