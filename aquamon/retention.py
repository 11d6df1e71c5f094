"""How long InfluxDB keeps what: minute data for a set period, hourly means for years.

``aquamon init`` sets this up on an InfluxDB 1.x database (idempotent: a second run changes nothing):

- the default retention policy ``autogen`` (where the gateway and the analytics write) keeps
  ``minute_days`` days, 180 by default.  It is altered rather than replaced, so data already
  written stays visible.  ``analytics_state`` lives there too, and is kept shorter by the analytics
  themselves: they read back only each tank's latest state and delete days older than
  ``[analytics] state_keep_days`` (14) once a day (analytics/state.py);
- the policy ``hourly`` keeps the hourly means of every sensor (measurement ``water``) and of the
  device health (``device``) for ``hourly_days`` days, ten years by default;
- continuous queries fill ``hourly`` once an hour, recomputing the last two hours so a reading
  that arrives late is still counted.

At 1,000 tanks the minute data grows by 0.1 to 0.2 GB a day (docs/scaling.md): 180 days are
18 to 36 GB; the hourly means are 1/60 of that per day kept.

>>> print(hourly_select("aquamon", "water", ("ph", "temp_c")))
SELECT mean("ph") AS "ph", mean("temp_c") AS "temp_c" INTO "aquamon"."hourly"."water" FROM "aquamon"."autogen"."water" GROUP BY time(1h), *
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aquamon.contract import DEVICE, RANGES, WATER

MINUTE_RP = "autogen"
HOURLY_RP = "hourly"
# measurement -> fields averaged into the hourly policy
DOWNSAMPLED: dict[str, tuple[str, ...]] = {
    WATER: tuple(sorted(RANGES)) + ("pump",),  # the pump's mean is its duty cycle
    DEVICE: ("rssi", "mem_free", "backlog"),  # InfluxQL has no mean of a boolean (online)
}


class InfluxQL(Protocol):
    def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Retention:
    """Days kept at minute resolution, and days the hourly means are kept."""

    minute_days: int = 180
    hourly_days: int = 3650

    def __post_init__(self) -> None:
        if not 1 <= self.minute_days <= self.hourly_days:
            raise ValueError(f"keep minute data at least 1 day and no longer than the hourly means "
                             f"({self.minute_days} d, {self.hourly_days} d)")


def hourly_select(db: str, measurement: str, fields: tuple[str, ...], where: str = "") -> str:
    """The InfluxQL that averages one measurement into the hourly policy (the body of its continuous
    query; with ``where`` also a one-off backfill of a time range)."""
    means = ", ".join(f'mean("{f}") AS "{f}"' for f in fields)
    cond = f" WHERE {where}" if where else ""
    return (f'SELECT {means} INTO "{db}"."{HOURLY_RP}"."{measurement}" FROM "{db}"."{MINUTE_RP}"."{measurement}"'
            f"{cond} GROUP BY time(1h), *")


def statements(db: str, keep: Retention, existing_rps: dict[str, tuple[str, bool]],
               existing_cqs: set[str]) -> list[str]:
    """The InfluxQL that brings ``db`` to ``keep``, given what exists: ``existing_rps`` maps a policy
    to (its duration as InfluxDB shows it, whether it is the default).  A rerun runs nothing.

    >>> for s in statements("aq", Retention(30, 365), {"autogen": ("0s", True), "hourly": ("8760h0m0s", False)},
    ...                     {"aq_water_hourly"}):
    ...     print(s[:90])
    ALTER RETENTION POLICY "autogen" ON "aq" DURATION 30d SHARD DURATION 1d DEFAULT
    CREATE CONTINUOUS QUERY "aq_device_hourly" ON "aq" RESAMPLE EVERY 1h FOR 2h BEGIN SELECT m
    """
    shard = "1d" if keep.minute_days <= 60 else "7d"
    out = [f'CREATE DATABASE "{db}"'] if MINUTE_RP not in existing_rps else []
    if existing_rps.get(MINUTE_RP) != (_shown(keep.minute_days), True):
        out.append(f'ALTER RETENTION POLICY "{MINUTE_RP}" ON "{db}" DURATION {keep.minute_days}d '
                   f"SHARD DURATION {shard} DEFAULT")
    if HOURLY_RP not in existing_rps:
        out.append(f'CREATE RETENTION POLICY "{HOURLY_RP}" ON "{db}" DURATION {keep.hourly_days}d '
                   "REPLICATION 1 SHARD DURATION 30d")
    elif existing_rps[HOURLY_RP][0] != _shown(keep.hourly_days):
        out.append(f'ALTER RETENTION POLICY "{HOURLY_RP}" ON "{db}" DURATION {keep.hourly_days}d '
                   "SHARD DURATION 30d")
    for measurement, fields in DOWNSAMPLED.items():
        name = cq_name(db, measurement)
        if name not in existing_cqs:
            out.append(f'CREATE CONTINUOUS QUERY "{name}" ON "{db}" RESAMPLE EVERY 1h FOR 2h BEGIN '
                       f"{hourly_select(db, measurement, fields)} END")
    return out


def _shown(days: int) -> str:
    """A duration as SHOW RETENTION POLICIES writes it."""
    return f"{days * 24}h0m0s"


def cq_name(db: str, measurement: str) -> str:
    return f"{db}_{measurement}_hourly"


def existing(client: InfluxQL, db: str) -> tuple[dict[str, tuple[str, bool]], set[str]]:
    """({policy: (duration, default)}, continuous query names) of ``db``; empty if it does not exist."""
    names = {row[0] for s in client.query("SHOW DATABASES") for row in s.get("values") or []}
    if db not in names:
        return {}, set()
    # columns: name, duration, shardGroupDuration, replicaN, default
    rps = {row[0]: (row[1], bool(row[4])) for s in client.query(f'SHOW RETENTION POLICIES ON "{db}"')
           for row in s.get("values") or []}
    cqs = {row[0] for s in client.query("SHOW CONTINUOUS QUERIES") if s.get("name") == db
           for row in s.get("values") or []}
    return rps, cqs


def apply(client: InfluxQL, db: str, keep: Retention) -> list[str]:
    """Run :func:`statements` against ``client``; return what was run."""
    rps, cqs = existing(client, db)
    done = []
    for q in statements(db, keep, rps, cqs):
        client.query(q)
        done.append(q)
    return done
