"""Two analytics instances on real Mosquitto and InfluxDB: every tank scored exactly once per step.

20 tanks' readings are written straight to InfluxDB (the gateway has its own
tests); two analytics instances (``instance_index`` 0 and 1 of 2) run as child
processes.  Score points carry a ``shard`` tag when tanks are sharded, so a
tank scored by both instances would show as two points at one time (InfluxDB
would otherwise merge them into one and hide the double work).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from analytics.sharding import shard_of
from aquamon.influx import InfluxV1, QueryError
from aquamon.lineproto import encode_point
from harness.stack import Stack, wait_for

pytestmark = pytest.mark.services  # starts Mosquitto, InfluxDB and analytics shards

TANKS = [f"tank-{i:02d}" for i in range(20)]
MIN_MS = 60_000


def _write_minutes(db: InfluxV1, start_ms: int, first: int, last: int) -> None:
    rng = np.random.default_rng(first)
    lines = []
    for k, tank in enumerate(TANKS):
        for minute in range(first, last + 1):
            for sub in range(0, 60, 20):  # three readings a minute
                t = start_ms + minute * MIN_MS + sub * 1000
                fields = {"temp_c": 25 + 0.01 * k + rng.normal(0, 0.02), "ph": 7.2 + rng.normal(0, 0.008),
                          "tds_ppm": 300 + rng.normal(0, 1.0), "turb_ntu": 1 + abs(rng.normal(0, 0.05)),
                          "level_cm": 30 + rng.normal(0, 0.05), "flow_lpm": 8 + rng.normal(0, 0.08),
                          "seq": minute * 3 + sub // 20}
                lines.append(encode_point("water", {"tank": tank, "device": "d1"}, fields, t))
    db.write_lines(lines)


def _score_points(db: InfluxV1) -> dict[tuple[str, int], list[str]]:
    """(tank, time) → the shard tags of the score points at that time (one entry per series)."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    try:
        series = db.query('SELECT * FROM "score" GROUP BY "tank", "shard"')
    except QueryError:
        return out
    for s in series:
        tags = s.get("tags", {})
        for row in s.get("values", []):
            out[(tags["tank"], int(row[0]))].append(tags.get("shard", ""))
    return out


def _scored_through(db: InfluxV1, end_ms: int) -> bool:
    points = _score_points(db)
    return all((tank, end_ms) in points for tank in TANKS)


def _check_exactly_once(db: InfluxV1) -> dict[str, list[int]]:
    points = _score_points(db)
    assert points, "no score points at all"
    per_tank: dict[str, list[int]] = defaultdict(list)
    for (tank, t), shards in points.items():
        # exactly one instance scored this tank at this step, and it is the tank's owner
        assert shards == [f"{shard_of(tank, 2)}/2"], (tank, t, shards)
        per_tank[tank].append(t)
    assert set(per_tank) == set(TANKS)
    counts = Counter(len(ts) for ts in per_tank.values())
    assert len(counts) == 1, f"tanks were scored at different numbers of steps: {counts}"
    return per_tank


def test_two_instances_score_every_tank_exactly_once_per_step(stack: Stack, unique: str) -> None:
    cfg = stack.config(database=unique, topic_prefix=unique)
    db = InfluxV1(cfg.influxdb.url, cfg.influxdb.database)
    db.create_database()
    assert {shard_of(t, 2) for t in TANKS} == {0, 1}  # both instances have work
    start_ms = (int(time.time() * 1000) - 3 * 3_600_000) // MIN_MS * MIN_MS

    _write_minutes(db, start_ms, 0, 29)
    procs = stack.start_analytics_shards(cfg, 2)
    end1 = start_ms + 29 * MIN_MS  # the last whole minute once a reading at minute 29 exists
    assert wait_for(lambda: _scored_through(db, end1), 30), \
        "\n".join(p.log_tail() for p in procs)
    first = _check_exactly_once(db)

    # a second cycle: ten more minutes arrive; each tank is scored once more per new step
    _write_minutes(db, start_ms, 30, 39)
    end2 = start_ms + 39 * MIN_MS
    assert wait_for(lambda: _scored_through(db, end2), 30), "\n".join(p.log_tail() for p in procs)
    second = _check_exactly_once(db)
    for tank in TANKS:
        new = sorted(set(second[tank]) - set(first[tank]))
        assert new == list(range(end1 + MIN_MS, end2 + 1, MIN_MS)), tank

    # restart: the instances save state on stop and the new ones resume from it
    for p in procs:
        p.stop()
    saved = db.query('SELECT last("chunks") FROM "analytics_state" GROUP BY "tank"')
    assert {s["tags"]["tank"] for s in saved} == set(TANKS)
    procs = stack.start_analytics_shards(cfg, 2, name="again")
    _write_minutes(db, start_ms, 40, 44)
    end3 = start_ms + 44 * MIN_MS
    assert wait_for(lambda: _scored_through(db, end3), 30), "\n".join(p.log_tail() for p in procs)
    _check_exactly_once(db)
    resumed = 0
    for p in procs:
        for line in p.log_path.read_text().splitlines():
            if "from their saved state" in line:
                resumed += int(line.split("resumed ")[1].split()[0])
    assert resumed == len(TANKS)
