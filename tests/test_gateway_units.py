"""The gateway's pure parts: backoff, spool, bisection, metrics text, rate-limited logs, seq tracking."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from aquamon.config import Config
from aquamon.influx import RejectedWriteError, RetryableWriteError, TooLargeError, parse_retry_after
from gateway.backoff import retry_wait
from gateway.service import Gateway, RateLimitedLog
from gateway.spool import Spool, SpoolWriteError
from gateway.writer import write_isolating


# Telegraf's rule: wait = max(capped backoff, capped Retry-After); rand=0.5 removes the jitter.
@pytest.mark.parametrize("attempt, retry_after, expected", [
    (0, None, 0.5),
    (1, None, 1.0),
    (3, None, 4.0),
    (6, None, 30.0),          # capped backoff
    (60, None, 30.0),
    (500, None, 30.0),        # no overflow
    (0, 0.0, 0.5),            # Retry-After: 0 means "now"; the backoff still applies
    (0, 12.0, 12.0),          # the server asks for longer than our backoff
    (6, 12.0, 30.0),          # our backoff is already longer
    (0, 10_000.0, 300.0),     # a huge Retry-After is capped
])
def test_retry_wait_table(attempt: int, retry_after: float | None, expected: float) -> None:
    assert retry_wait(attempt, retry_after, rand=lambda: 0.5) == pytest.approx(expected)


def test_retry_wait_jitter_stays_within_bounds_and_cap() -> None:
    assert retry_wait(2, rand=lambda: 0.0) == pytest.approx(2.0 * 0.8)
    assert retry_wait(2, rand=lambda: 0.999999) == pytest.approx(2.0 * 1.2, rel=1e-5)
    assert retry_wait(20, rand=lambda: 0.999999) == 30.0  # jitter never breaks the cap


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("") is None and parse_retry_after("later") is None


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




def test_rejects_are_logged_once_per_reason_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    rl = RateLimitedLog(60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="aquamon.gateway"):
        for t in (0.0, 1.0, 59.0, 60.0, 61.0):
            now[0] = t
            rl.warn("oversized", "too big")
            rl.warn("malformed_json", "not json")
    assert caplog.text.count("too big") == 2 and caplog.text.count("not json") == 2


def _gateway(tmp_path: Path, **gw: object) -> Gateway:
    cfg = Config()
    cfg.spool.dir = str(tmp_path)
    for k, v in gw.items():
        setattr(cfg.gateway, k, v)
    cfg.gateway.instance = "unit"
    return Gateway(cfg)


def test_seq_gaps_are_counted_and_repeats_are_harmless(tmp_path: Path) -> None:
    g = _gateway(tmp_path)
    for seq in (1, 2, 5, 5, 3, 6, 10):
        g.parser.track_seq("t1", "d1", seq)
    g.parser.track_seq("t2", "d1", 100)  # another device's first message is not a gap
    assert g.counters["seq_gaps"] == 2 + 3
    assert g.counters["seq_repeats"] == 2


def test_seq_gaps_are_not_counted_under_a_shared_subscription(tmp_path: Path) -> None:
    g = _gateway(tmp_path, shared_subscription=True)
    for seq in (1, 4, 9):
        g.parser.track_seq("t1", "d1", seq)
    assert g.counters["seq_gaps"] == 0
    assert g.topics()[0] == "$share/aquamon/aquamon/+/+/telemetry"


def test_rejects_are_counted_by_reason_and_good_values_kept(tmp_path: Path) -> None:
    import time

    from gateway.service import Incoming

    g = _gateway(tmp_path)
    now = int(time.time() * 1000)
    msgs = [Incoming(b"aquamon/t1/d1/telemetry", b"{", 1, 1),
            Incoming(b"aquamon/t1/d1/telemetry", b"{", 2, 1),
            Incoming(b"aquamon/t1/d1/nope", b"{}", 3, 1),
            Incoming(b"aquamon/t1/d1/telemetry",
                     f'{{"v":1,"seq":1,"ts":{now},"r":{{"temp_c":25.5,"ph":"x"}},"bad":["ph"]}}'.encode(), 4, 1),
            Incoming(b"aquamon/t1/d1/status", b'{"online":false}', 5, 1),
            Incoming(b"aquamon/t1/d1/event", f'{{"ts":{now},"kind":"interlock","detail":"low"}}'.encode(), 6, 1)]
    lines = g.parser.to_lines(msgs)
    assert g.rejects == {"malformed_json": 2, "unknown_topic": 1, "value_wrong_type": 1}
    assert g.counters["received"] == 6 and g.counters["rejected"] == 3
    assert [ln.split(",")[0] for ln in lines] == ["water", "device", "event"]
    assert 'bad="ph"' in lines[0] and "temp_c=25.5" in lines[0] and "ph=" not in lines[0].replace('"ph"', "")
    assert "online=false" in lines[1]
    assert "kind=interlock" in lines[2]


def test_a_validator_bug_drops_only_that_message_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A payload that crashes the validator (a bug) is dropped and counted, not redelivered forever."""
    import time

    import gateway.parser as parser
    from gateway.service import Incoming

    g = _gateway(tmp_path)
    real = parser.validate_message

    def crashing(topic: str, payload: bytes, *args: object) -> object:
        if b"boom" in payload:
            raise ZeroDivisionError("a validator bug")
        return real(topic, payload, *args)

    monkeypatch.setattr(parser, "validate_message", crashing)
    monkeypatch.setattr(g.parser.fast, "fields_and_time", lambda payload, now: (_ for _ in ()).throw(KeyError("bug")))
    now = int(time.time() * 1000)
    good = f'{{"v":1,"seq":1,"ts":{now},"r":{{"temp_c":25.5}},"bad":[]}}'.encode()
    lines = g.parser.to_lines([Incoming(b"aquamon/t1/d1/telemetry", b'{"boom":1}', 1, 1),
                         Incoming(b"aquamon/t1/d1/telemetry", good, 2, 1)])
    assert g.rejects == {"validator_error": 1} and g.counters["rejected"] == 1
    assert len(lines) == 1 and "temp_c=25.5" in lines[0]  # the fast path's bug fell back to the exact path


class FlakyDB:
    """InfluxDB stand-in for the writer loop's own logic: down until told, slow writes, records batches."""

    def __init__(self, write_s: float = 0.0) -> None:
        self.down = True
        self.write_s = write_s
        self.batches: list[list[str]] = []

    def write_lines(self, lines: list[str]) -> None:
        import time

        time.sleep(self.write_s)
        if self.down:
            raise RetryableWriteError("no reply from InfluxDB (test)")
        self.batches.append(list(lines))

    def stored(self) -> set[str]:
        return {ln for b in self.batches for ln in b}


def test_acks_only_after_write_or_spool_and_replay_interleaves_with_new_data(tmp_path: Path) -> None:
    import threading
    import time

    from aquamon.lineproto import encode_point
    from gateway.loadgen import readings
    from gateway.service import Incoming
    from gateway.validate import validate_message

    g = _gateway(tmp_path, batch_size=50, flush_interval_s=0.01, retry_max_s=0.2, stats_interval_s=3600)
    db = FlakyDB(write_s=0.03)
    g.db = db  # type: ignore[assignment]
    acked_while: list[bool] = []

    class Link:
        def ack(self, generation: int, mids: list[int]) -> None:  # durable = in InfluxDB or the spool, at ack time
            stored, spooled = db.stored(), set(g.spool.peek(10**6).lines)
            for mid in mids:
                line = lines_by_mid[mid]
                acked_while.append(line in stored or line in spooled)

    g.link = Link()  # type: ignore[assignment]
    now = int(time.time() * 1000)
    msgs = list(readings("aquamon", 1200, tanks=4, start_ms=now - 3_600_000))
    lines_by_mid = {}
    for mid, (topic, payload) in enumerate(msgs, start=1):
        p = validate_message(topic, payload, now).points[0]
        lines_by_mid[mid] = encode_point(p.measurement, p.tags, p.fields, p.ts_ms)
    writer = threading.Thread(target=g._writer, daemon=True)
    writer.start()
    for mid, (topic, payload) in enumerate(msgs[:1000], start=1):  # during the outage
        g._on_messages(1, [Incoming(topic.encode(), payload, mid, 1)])
    deadline = time.monotonic() + 20
    while g.spool.lines < 1000 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert g.spool.lines == 1000 and db.batches == []
    db.down = False
    for mid, (topic, payload) in enumerate(msgs[1000:], start=1001):  # new data while the spool replays
        g._on_messages(1, [Incoming(topic.encode(), payload, mid, 1)])
        time.sleep(0.002)
    deadline = time.monotonic() + 20
    while not (g.spool.empty() and g.inbox.empty() and len(acked_while) == 1200) and time.monotonic() < deadline:
        time.sleep(0.01)
    g.stop()  # (a gateway stopped with a non-empty spool replays it at its next start)
    writer.join(30)
    assert not writer.is_alive() and g.spool.empty()
    assert len(acked_while) == 1200 and all(acked_while)
    assert db.stored() == set(lines_by_mid.values())
    old = set(list(lines_by_mid.values())[:1000])
    kinds = ["old" if b[0] in old else "new" for b in db.batches]
    replayed = [ln for b in db.batches if b[0] in old for ln in b]
    assert replayed == list(lines_by_mid.values())[:1000]  # the spool is replayed in order
    last_old = len(kinds) - 1 - kinds[::-1].index("old")
    assert "new" in kinds[:last_old], kinds  # new data went in before the replay had finished


def test_an_unusable_spool_directory_stops_start_up_with_what_to_do(tmp_path: Path) -> None:
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    conf = tmp_path / "gw.toml"
    conf.write_text(f'[spool]\ndir = "{blocker}"\n[gateway]\ninstance = "x"\n')
    r = subprocess.run([sys.executable, "-m", "aquamon", "gateway", "--config", str(conf)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "Set [spool] dir to a folder this user may write" in r.stderr and "Traceback" not in r.stderr
