"""One tank's readings on the 1-minute grid, as the analytics service keeps them between cycles.

Minutes are merged in time order (a minute read again replaces its earlier
mean; a late or out-of-order minute is inserted in its place), and "now" for
the tank is the last minute that follows on from the ones before it, so a
lone reading from a clock that jumped ahead hides nothing that follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics.catalogue import LABELS
from analytics.medians import flat_median

MIN_MS = 60_000
SENSORS = (*LABELS, "pump")
#: the analytics judge at most this far behind a tank's latest reading; older minutes are logged and counted
MAX_CATCHUP_MS = 6 * 3_600_000
#: each cycle reads again this far behind the last evaluated minute: late and out-of-order readings land
REREAD_MS = 15 * MIN_MS
#: a tank's usual spacing of minutes is the median of this many latest gaps (TankData.settled_until)
SPACING_GAPS = 30


@dataclass
class TankData:
    """Readings of one tank on the 1-minute grid, kept for the reference period."""

    t_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    values: dict[str, np.ndarray] = field(default_factory=lambda: {s: np.zeros(0) for s in SENSORS})
    last_eval_ms: int | None = None

    def append(self, rows: list[list[Any]], columns: list[str]) -> int:
        """Merge 1-minute rows into the data by time; return how many are late (before an existing row).

        A minute read again replaces what was read before (its mean now has
        more readings); a late or out-of-order minute is inserted in its place,
        so a reading from a device whose clock jumped ahead does not hide the
        readings that follow it.
        """
        if not rows:
            return 0
        idx = {c: i for i, c in enumerate(columns)}
        t = np.array([r[0] for r in rows], dtype=np.int64)
        last = int(self.t_ms[-1]) if len(self.t_ms) else None
        late = int(np.sum(t < last)) if last is not None else 0
        new = {s: np.array([np.nan if idx.get(s) is None or r[idx[s]] is None else float(r[idx[s]]) for r in rows])
               for s in SENSORS}
        t_all = np.concatenate([self.t_ms, t])
        order = np.argsort(t_all, kind="stable")  # equal times: the one read last comes last
        t_sorted = t_all[order]
        keep = np.concatenate([t_sorted[1:] != t_sorted[:-1], [True]])  # the last of each minute
        self.t_ms = t_sorted[keep]
        for s in SENSORS:
            self.values[s] = np.concatenate([self.values[s], new[s]])[order][keep]
        return late

    def settled_until(self) -> int | None:
        """The end of the last minute that follows on from the ones before it (None without data).

        A minute follows on when it and the one before it each come at most twice the
        tank's usual spacing (the median of its last :data:`SPACING_GAPS` gaps) after
        their predecessor.  A lone reading far ahead of the rest (a device clock that
        jumped, even by the 299 s the gateway accepts) is not "now": evaluation waits at
        the last minute that follows on, so the readings that come next are evaluated
        rather than passed over.  A tank whose spacing changes is judged by its new one.

        >>> TankData(np.array([0, 1, 2, 3, 8], dtype=np.int64) * MIN_MS).settled_until() // MIN_MS
        4
        """
        t = self.t_ms
        if len(t) < 3:
            return int(t[-1]) + MIN_MS if len(t) else None
        gaps = np.diff(t)
        usual = float(flat_median(gaps[-SPACING_GAPS:]))
        ok = np.flatnonzero((gaps[1:] <= 2 * usual) & (gaps[:-1] <= 2 * usual))
        return int(t[ok[-1] + 2]) + MIN_MS if len(ok) else int(t[-1]) + MIN_MS

    def due_until(self, latest_ms: int, step_ms: int) -> tuple[int, int]:
        """The last step due (``end``, ms) and how many minutes are skipped as more than 6 hours behind.

        Moves :attr:`last_eval_ms` to where evaluation goes on from: for a new
        tank its first step (or the latest :data:`MAX_CATCHUP_MS`), and for a
        tank further behind than that (an old saved state, a device back from
        far away) the start of the latest :data:`MAX_CATCHUP_MS`.  "Now" is
        the last minute that follows on from the others (:meth:`settled_until`).

        >>> data = TankData(np.array([0, 60_000], dtype=np.int64))
        >>> data.due_until(60_500, 60_000), data.last_eval_ms
        ((60000, 0), 0)
        >>> data.last_eval_ms = -7 * 3_600_000
        >>> data.due_until(60_500, 60_000), data.last_eval_ms
        ((60000, 61), -21540000)
        """
        settled = self.settled_until() or latest_ms  # a lone reading ahead (a clock jump) waits
        end = (min(latest_ms, settled) // step_ms) * step_ms
        if self.last_eval_ms is None:
            self.last_eval_ms = max(int(self.t_ms[0]) // step_ms * step_ms, end - MAX_CATCHUP_MS)
        skipped = 0
        if self.last_eval_ms < end - MAX_CATCHUP_MS:
            skipped = (end - MAX_CATCHUP_MS - self.last_eval_ms) // MIN_MS
            self.last_eval_ms = end - MAX_CATCHUP_MS
        return end, skipped

    def trim(self, before_ms: int) -> None:
        keep = self.t_ms >= before_ms
        self.t_ms = self.t_ms[keep]
        self.values = {k: v[keep] for k, v in self.values.items()}


def monitor_frame(values: dict[str, np.ndarray], drift_sensors: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The readings a monitor sees: a drift channel the tank has never reported (in the data kept) is left out.

    A tank without a turbidity probe has a turbidity column of NaN on the
    grid; handed to the monitor, every row would be incomplete and the tank
    would never get a drift score.  Left out, its drift is scored on the
    channels it has.

    >>> import numpy as np
    >>> sorted(monitor_frame({"ph": np.array([7.0]), "turb_ntu": np.array([np.nan]), "pump": np.array([np.nan])},
    ...                      ("ph", "turb_ntu")))
    ['ph', 'pump']
    """
    return {k: v for k, v in values.items() if k not in drift_sensors or bool(np.isfinite(v).any())}


def _since(data: TankData, first_ms: int) -> int:
    """Where a tank's next read starts: a little before the last evaluated minute, so late readings land."""
    if not len(data.t_ms):
        return first_ms
    head = int(data.t_ms[-1]) + MIN_MS
    if data.last_eval_ms is None:
        return head
    return max(int(data.t_ms[0]), min(head, data.last_eval_ms - REREAD_MS))


