"""gateway.service: the gateway's pure parts (rate-limited logs, seq tracking, reject counts, acks)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from aquamon.config import Config
from aquamon.influx import RetryableWriteError
from gateway.ratelog import RateLimitedLog
from gateway.service import Gateway


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
    from gateway.service import Incoming
    from gateway.validate import validate_message
    from harness.loadgen import readings

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
    # the spool is replayed in order; new readings that came while the gateway still counted InfluxDB as down
    # (its retry not yet due: more of them on a loaded machine) were spooled behind the old ones, in order too
    assert replayed[:1000] == list(lines_by_mid.values())[:1000]
    assert replayed[1000:] == [ln for ln in list(lines_by_mid.values())[1000:] if ln in replayed[1000:]]
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
