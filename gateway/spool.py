"""A bounded on-disk queue of line-protocol batches, replayed oldest first.

One file per batch, written to a temporary name, fsync'd, renamed and the
directory fsync'd: after ``append`` returns the batch survives a crash or a
power cut, so the gateway may acknowledge its messages.  A crash mid-append
leaves only a ``.tmp`` file, removed when the spool is opened (its messages
were never acknowledged, the broker redelivers them).

A file per batch keeps every operation trivial and crash-safe (no torn records,
no compaction): the oldest batch is the lowest number, dropping it is one
unlink, the size is the sum of file sizes.

>>> import tempfile
>>> sp = Spool(tempfile.mkdtemp(), max_bytes=1 << 20)
>>> sp.append(["water,tank=t1 temp_c=25.0 1", "water,tank=t1 temp_c=25.1 2"])
True
>>> sp.append(["water,tank=t1 temp_c=25.2 3"])
True
>>> batch = sp.peek(max_lines=10)
>>> batch.lines
['water,tank=t1 temp_c=25.0 1', 'water,tank=t1 temp_c=25.1 2', 'water,tank=t1 temp_c=25.2 3']
>>> sp.remove(batch)
>>> sp.empty()
True
"""

from __future__ import annotations

import logging
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

log = logging.getLogger("aquamon.gateway.spool")

SUFFIX = ".lp"


class SpoolWriteError(OSError):
    """The filesystem refused a batch (full disk, quota, read-only, I/O error): nothing was stored.

    The caller keeps the messages unacknowledged and tries again later, as for
    a full spool under the ``block`` policy; ``errno`` and ``strerror`` say why.
    """


@dataclass
class SpoolBatch:
    """Lines read from the oldest spool files; ``remove`` it once they are written."""

    lines: list[str]
    files: list[Path] = field(default_factory=list)


class Spool:
    """Bounded, fsync'd, in-order spool of line-protocol batches.

    Parameters
    ----------
    directory : str or Path
        Created if missing; one spool per gateway instance (never shared).
    max_bytes : int
        Upper bound of the files' total size.
    policy : {"block", "drop_oldest"}
        When full, ``append`` either refuses (returns False: the caller keeps the
        messages unacknowledged) or deletes the oldest batches to make room.
    """

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int, policy: str = "block") -> None:
        if policy not in ("block", "drop_oldest"):
            raise ValueError(f"unknown spool policy {policy!r}; use 'block' or 'drop_oldest'")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.policy = policy
        self.dropped_lines = 0  # lines deleted by drop_oldest
        self.full_events = 0  # appends that met a full spool
        for tmp in self.dir.glob("*.tmp"):
            tmp.unlink()  # an append interrupted by a crash: never acknowledged
        # oldest first; a deque because batches leave from the front (thousands of small ones after an outage)
        self._files: deque[Path] = deque(sorted(self.dir.glob("*" + SUFFIX)))
        self._sizes = {p: p.stat().st_size for p in self._files}
        self._counts = {p: self._count(p) for p in self._files}
        # running totals: plain ints, so the metrics thread can read them while the writer changes the dicts
        self._bytes = sum(self._sizes.values())
        self._nlines = sum(self._counts.values())
        self._next = int(self._files[-1].stem) + 1 if self._files else 1

    @staticmethod
    def _count(path: Path) -> int:
        with open(path, "rb") as f:
            return sum(1 for _ in f)

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def lines(self) -> int:
        """Lines waiting to be replayed."""
        return self._nlines

    @property
    def files(self) -> int:
        return len(self._files)

    def empty(self) -> bool:
        return not self._files

    def append(self, lines: Sequence[str]) -> bool:
        """Store ``lines`` durably; False if the spool is full under the ``block`` policy.

        Raises
        ------
        SpoolWriteError
            The filesystem refused the batch (e.g. ``ENOSPC`` before ``max_bytes``
            is reached); nothing was stored and no partial file is left behind.
        """
        data = ("\n".join(lines) + "\n").encode()
        if self.bytes + len(data) > self.max_bytes:
            self.full_events += 1
            if self.policy == "block" or len(data) > self.max_bytes:
                return False
            while self._files and self.bytes + len(data) > self.max_bytes:
                oldest = self._files[0]
                n = self._counts[oldest]
                self._forget(oldest)
                self.dropped_lines += n
                log.warning("spool full (%d bytes): dropped its oldest batch of %d lines (policy drop_oldest)",
                            self.max_bytes, n)
        path = self.dir / f"{self._next:016d}{SUFFIX}"
        tmp = path.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            self._fsync_dir()
        except OSError as e:
            self.full_events += 1
            for leftover in (tmp, path):  # a torn batch must not be replayed; its messages stay unacknowledged
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
            raise SpoolWriteError(e.errno, e.strerror or str(e), str(self.dir)) from e
        self._next += 1
        self._files.append(path)
        self._sizes[path] = len(data)
        self._counts[path] = len(lines)
        self._bytes += len(data)
        self._nlines += len(lines)
        return True

    def peek(self, max_lines: int) -> SpoolBatch:
        """The oldest batches, whole files only, up to ``max_lines`` (at least one file)."""
        out = SpoolBatch([])
        for path in self._files:
            lines = path.read_text().splitlines()
            if out.files and len(out.lines) + len(lines) > max_lines:
                break
            out.lines.extend(line for line in lines if line)
            out.files.append(path)
        return out

    def remove(self, batch: SpoolBatch) -> None:
        """Forget batches that are now written (or dropped by the server)."""
        for path in batch.files:
            if path in self._sizes:
                self._forget(path)

    def _forget(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        if self._files[0] == path:
            self._files.popleft()
        else:
            self._files.remove(path)
        self._bytes -= self._sizes.pop(path)
        self._nlines -= self._counts.pop(path)

    def _fsync_dir(self) -> None:
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
