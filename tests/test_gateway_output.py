"""gateway.output: when an outage starts and ends, without a server (the fault tests run the real one)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from aquamon.config import Config
from aquamon.influx import RetryableWriteError
from gateway.output import DurableOutput
from gateway.ratelog import RateLimitedLog
from gateway.writer import WriteOutcome


def _output(tmp_path: Path) -> DurableOutput:
    cfg = Config()
    return DurableOutput(cfg, tmp_path / "spool", Counter(), RateLimitedLog(), lambda s: None, threading.Event())


def test_a_write_sent_before_a_429_does_not_end_its_retry_after(tmp_path: Path) -> None:
    out = _output(tmp_path)
    sent_before = time.monotonic()  # two writes in flight: this one was sent first ...
    out.note_failure(RetryableWriteError("HTTP 429", 429, 2.0))  # ... the other got a 429, Retry-After: 2
    assert out.in_outage() and out.retry_in_s() > 1.5 and not out.influx_ok()
    out.account(WriteOutcome(written=10, requests=1, seconds=0.01, started=sent_before))  # it succeeded later
    assert out.in_outage() and out.retry_in_s() > 1.5, "a write sent before the 429 ended the server's wait"
    assert out.counters["written"] == 10  # still counted
    out.account(WriteOutcome(written=5, requests=1, seconds=0.01, started=time.monotonic()))  # a write sent after
    assert not out.in_outage() and out.influx_ok() and out.counters["written"] == 15
