"""The ``--out`` folder of ``aquamon replay`` and ``aquamon demo``: emptied only if a run made it, held while one runs.

>>> import tempfile
>>> out = fresh_folder(Path(tempfile.mkdtemp()) / "replay-output")
>>> held = hold_folder(out)
>>> hold_folder(out)
Traceback (most recent call last):
...
aquamon.replay_folder.OutFolderError: --out ... is in use by another aquamon replay that is still running; ...
>>> os.close(held)
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

#: the file that marks a folder as a replay's own, which the next replay into it may empty
MARKER = ".aquamon-replay"


class ReplayError(RuntimeError):
    """The replay could not run; the message says what to do."""


class OutFolderError(ReplayError):
    """The ``--out`` folder cannot be used (a keeper's own files, or a run still using it); nothing is deleted."""


def fresh_folder(out: Path, what: str = "replay", legacy: frozenset[str] = frozenset()) -> Path:
    """``out``, emptied if an earlier ``aquamon {what}`` made it (each run starts from an empty product).

    ``legacy``: the names a run made before it marked its folder; a folder of only those is its too.

    Raises
    ------
    OutFolderError
        ``out`` holds something else, or a run still uses it: nothing of it is deleted.
    """
    out = out.resolve()
    marker = out / f".aquamon-{what}"
    if out.exists():
        if marker.is_file() or (legacy and out.is_dir() and {p.name for p in out.iterdir()} <= legacy):
            if marker.is_file():
                _refuse_if_running(out, what)
            shutil.rmtree(out)
        elif not out.is_dir() or any(out.iterdir()):
            raise OutFolderError(f"--out {out} is not empty and not an earlier {what}'s folder; give a new or empty "
                                 f"folder (a {what}'s broker, database and logs go there)")
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"made by aquamon {what}: the next {what} into this folder empties it\n")
    return out


def hold_folder(out: Path, what: str = "replay") -> int:
    """Mark ``out`` as in use by this run until the returned descriptor is closed (or the process ends).

    A second run into the same folder would otherwise empty it under the running one's broker and database.

    Raises
    ------
    OutFolderError
        Another run took ``out`` between :func:`fresh_folder` and this call (its descriptor is closed, not leaked).
    """
    try:
        fd = os.open(out / f".aquamon-{what}", os.O_RDONLY)
    except FileNotFoundError:  # another run emptied the folder in between
        raise OutFolderError(f"--out {out} was emptied by another aquamon {what} starting at the same moment; wait "
                             "for it to end, or give another --out") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise OutFolderError(f"--out {out} is in use by another aquamon {what} that is still running; wait for it "
                             "to end, or give another --out") from None
    return fd


def _refuse_if_running(out: Path, what: str) -> None:
    """Raise :class:`OutFolderError` when a run still going holds ``out`` (:func:`hold_folder`)."""
    fd = os.open(out / f".aquamon-{what}", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutFolderError(f"--out {out} is in use by another aquamon {what} that is still running; wait for it "
                             "to end, or give another --out") from None
    finally:
        os.close(fd)
