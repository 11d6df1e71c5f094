"""gateway.writer: bad lines isolated by bisection, large batches split, retryable errors passed on."""

from __future__ import annotations

import pytest

from aquamon.influx import RejectedWriteError, RetryableWriteError, TooLargeError
from gateway.writer import write_isolating


class FakeServer:
    """Refuses lines containing 'bad' (400), bodies over max_lines (413), or everything (503)."""

    def __init__(self, max_lines: int = 10_000, down: bool = False) -> None:
        self.max_lines, self.down, self.stored, self.calls = max_lines, down, [], 0

    def write(self, lines: list[str]) -> None:
        self.calls += 1
        if self.down:
            raise RetryableWriteError("HTTP 503", 503, 2.0)
        if len(lines) > self.max_lines:
            raise TooLargeError("HTTP 413", 413)
        if any("bad" in ln for ln in lines):
            raise RejectedWriteError('HTTP 400: {"error":"partial write: field type conflict"}', 400)
        self.stored.extend(lines)


def test_writer_isolates_bad_lines_and_splits_large_batches() -> None:
    lines = [f"ok{i}" for i in range(100)]
    lines[17] = "bad17"
    lines[80] = "bad80"
    srv = FakeServer(max_lines=30)
    out = write_isolating(srv.write, lines)
    assert sorted(srv.stored) == sorted(ln for ln in lines if "bad" not in ln)
    assert out.written == 98 and [ln for ln, _ in out.dropped] == ["bad17", "bad80"]
    assert "field type conflict" in out.dropped[0][1]


def test_writer_propagates_retryable_errors_without_dropping() -> None:
    with pytest.raises(RetryableWriteError):
        write_isolating(FakeServer(down=True).write, ["a", "b"])
