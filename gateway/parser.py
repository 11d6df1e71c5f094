"""The gateway's parser stage: received MQTT messages -> lines of line protocol.

Telegraf keeps input, parser and output apart; this is the parser.  Well-formed
readings take :mod:`gateway.fastpath`; anything it declines goes to the exact
validator (:mod:`gateway.validate`), which names every reject reason.  Rejects
are counted by reason and logged at most once a minute per reason; a device's
``seq`` is tracked to count gaps and repeats.  Runs in the MQTT link's I/O
thread (see :mod:`gateway.service`), so it never blocks.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Iterable

from aquamon.config import GatewayConfig
from aquamon.lineproto import encode_point
from gateway.fastpath import FastTelemetry
from gateway.ratelog import RateLimitedLog
from gateway.validate import Reject, parse_topic, validate_message

log = logging.getLogger("aquamon.gateway")

# Topics remembered with their parsed tank/device (a farm has a few thousand devices).
TOPIC_CACHE_MAX = 100_000

# One received message as the link delivers it: (topic, payload, message id, QoS).
Message = tuple[bytes | str, bytes, int, int]


class MessageParser:
    """Validate and encode messages, counting what it rejects.

    ``counters`` and ``rejects`` are shared with the gateway (its stats and
    /metrics read them).

    >>> from aquamon.config import GatewayConfig
    >>> p = MessageParser(GatewayConfig(), "aquamon", Counter(), Counter(), RateLimitedLog())
    >>> now = int(time.time() * 1000)
    >>> ok = f'{{"v":1,"seq":1,"ts":{now},"r":{{"temp_c":25.5}}}}'.encode()
    >>> lines = p.to_lines([(b"aquamon/t1/d1/telemetry", ok, 1, 1), (b"aquamon/t1/d1/telemetry", b"{", 2, 1)])
    >>> len(lines), dict(p.rejects)
    (1, {'malformed_json': 1})
    """

    def __init__(self, g: GatewayConfig, topic_prefix: str, counters: Counter[str], rejects: Counter[str],
                 rlog: RateLimitedLog) -> None:
        self.g = g
        self.topic_prefix = topic_prefix
        self.counters = counters
        self.rejects = rejects
        self._rlog = rlog
        self.last_seq: dict[tuple[str, str], int] = {}
        self.fast = FastTelemetry(g.max_payload_bytes, int(g.max_future_s * 1000), int(g.max_age_days * 86_400_000))
        self._topic_cache: dict[bytes | str, tuple[str, tuple[str, str]] | None] = {}

    def _topic_entry(self, topic: bytes | str) -> tuple[str, tuple[str, str]] | None:
        """(line prefix, (tank, device)) for a telemetry topic the fast path may take, else None."""
        text = topic.decode("utf-8", "replace") if isinstance(topic, bytes) else topic
        try:
            tank, device, kind = parse_topic(text, self.topic_prefix)
            entry = (self.fast.line_prefix(tank, device), (tank, device)) if kind == "telemetry" else None
        except Reject:
            entry = None
        if len(self._topic_cache) >= TOPIC_CACHE_MAX:
            self._topic_cache.clear()
        self._topic_cache[topic] = entry
        return entry

    def to_lines(self, messages: Iterable[Message]) -> list[str]:
        """Validate and encode messages; count and log rejects; track ``seq``."""
        now_ms = int(time.time() * 1000)
        lines: list[str] = []
        append = lines.append
        fast = self.fast.fields_and_time
        cache = self._topic_cache
        last_seq = self.last_seq
        count_gaps = not self.g.shared_subscription
        received = gaps = repeats = 0
        for m in messages:
            received += 1
            topic = m[0]
            entry = cache[topic] if topic in cache else self._topic_entry(topic)
            if entry is not None:
                try:
                    done = fast(m[1], now_ms)
                except Exception:  # noqa: BLE001 - a fast-path bug must not lose the message: the exact path decides
                    done = None
                if done is not None:
                    append(entry[0] + done[0])
                    key, seq = entry[1], done[1]
                    last = last_seq.get(key)
                    if last is None or seq > last:  # the same rule as track_seq, inlined
                        if last is not None and seq > last + 1 and count_gaps:
                            gaps += seq - last - 1
                        last_seq[key] = seq
                    else:
                        repeats += 1
                    continue
            self._exact_lines(topic if isinstance(topic, str) else topic.decode("utf-8", "replace"), m[1],
                              now_ms, lines)
        c = self.counters
        c["received"] += received
        if gaps:
            c["seq_gaps"] += gaps
        if repeats:
            c["seq_repeats"] += repeats
        return lines

    def _exact_lines(self, topic: str, payload: bytes, now_ms: int, lines: list[str]) -> None:
        """Anything the fast path declined: the exact validator, which names every reject reason."""
        g = self.g
        try:
            v = validate_message(topic, payload, now_ms, self.topic_prefix,
                                 g.max_payload_bytes, int(g.max_future_s * 1000),
                                 int(g.max_age_days * 86_400_000))
        except Reject as r:
            self.counters["rejected"] += 1
            self.rejects[r.reason] += 1
            self._rlog.warn(r.reason, f"rejected a message on {topic[:120]!r}: {r}")
            return
        except Exception:
            # A bug in the validator, not a bad message we can name.  Dropping this one message
            # (counted, logged with its traceback) beats the alternative: an unacknowledged
            # message the broker redelivers forever, a poison pill that stalls the whole stream.
            self.counters["rejected"] += 1
            self.rejects["validator_error"] += 1
            if self._rlog.warn("validator_error", f"the validator failed on a message on {topic[:120]!r}; "
                               "it is dropped and counted (please report this with the log)"):
                log.exception("validator failure")
            return
        for reason in v.value_rejects:
            self.rejects["value_" + reason] += 1
            self.counters["values_rejected"] += 1
            self._rlog.warn("value_" + reason, f"dropped a value on {topic[:120]!r}: {reason}")
        if v.seq is not None:
            self.track_seq(v.tank, v.device, v.seq)
        for p in v.points:
            lines.append(encode_point(p.measurement, p.tags, p.fields, p.ts_ms))

    def track_seq(self, tank: str, device: str, seq: int) -> None:
        key = (tank, device)
        last = self.last_seq.get(key)
        if last is not None and seq <= last:
            self.counters["seq_repeats"] += 1  # redelivery or a device resending its backlog: harmless
            return
        # Under a shared subscription each instance sees only some of a device's
        # messages, so a gap here says nothing; count gaps only when we see them all.
        if last is not None and seq > last + 1 and not self.g.shared_subscription:
            self.counters["seq_gaps"] += seq - last - 1
        self.last_seq[key] = seq
