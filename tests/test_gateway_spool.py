"""gateway.spool: the on-disk spool that keeps readings while InfluxDB is away."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from gateway.spool import Spool, SpoolWriteError


def test_spool_keeps_order_and_survives_reopen(tmp_path: Path) -> None:
    sp = Spool(tmp_path, 1 << 20)
    for i in range(5):
        assert sp.append([f"m v={i} {i}"])
    assert sp.lines == 5 and sp.files == 5
    (tmp_path / "0000000000000099.tmp").write_text("half written")  # a crash mid-append
    sp2 = Spool(tmp_path, 1 << 20)
    assert not list(tmp_path.glob("*.tmp"))
    batch = sp2.peek(max_lines=3)
    assert batch.lines == ["m v=0 0", "m v=1 1", "m v=2 2"]
    sp2.remove(batch)
    assert sp2.append(["m v=5 5"])
    rest = sp2.peek(max_lines=100)
    assert rest.lines == ["m v=3 3", "m v=4 4", "m v=5 5"]
    sp2.remove(rest)
    assert sp2.empty() and sp2.bytes == 0 and sp2.lines == 0


def test_spool_full_block_refuses_and_counts(tmp_path: Path) -> None:
    sp = Spool(tmp_path, 100, policy="block")
    assert sp.append(["x" * 60])
    assert not sp.append(["y" * 60])
    assert sp.full_events == 1 and sp.lines == 1 and sp.bytes <= 100


def test_spool_full_drop_oldest_keeps_newest_and_counts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sp = Spool(tmp_path, 130, policy="drop_oldest")
    with caplog.at_level(logging.WARNING, logger="aquamon.gateway.spool"):
        for i in range(4):
            assert sp.append([f"{i}" * 60])
    assert sp.peek(10).lines == ["2" * 60, "3" * 60]
    assert sp.dropped_lines == 2 and sp.full_events == 2 and sp.bytes <= 130
    assert "dropped its oldest batch" in caplog.text


def test_spool_append_is_fsynced_before_it_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    Spool(tmp_path, 1 << 20).append(["m v=1 1"])
    assert len(synced) == 2  # the file, then the directory holding its new name



def test_spool_a_refused_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sp = Spool(tmp_path, 1 << 20)
    assert sp.append(["m v=1 1"])

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(SpoolWriteError) as caught:
        sp.append(["m v=2 2"])
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000000000000001.lp"]  # no torn or temporary file
    assert sp.lines == 1 and sp.append(["m v=3 3"])
    assert Spool(tmp_path, 1 << 20).peek(10).lines == ["m v=1 1", "m v=3 3"]
