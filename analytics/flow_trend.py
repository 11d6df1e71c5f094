"""A filter's flow falling slowly: a clogging pre-filter or sponge, an impeller fouling.

``flow_low`` waits for the profile's least flow or half the filter's usual
flow; a keeper wants to hear long before that, while cleaning the filter is
still routine: "the flow is 30 % down on its usual 28 l/min".  The filter's
usual flow is its clean flow (a clog only lowers it, over hours or days):
the 90th percentile of the healthy reference's hourly medians while the pump
runs, and how much those hourly medians spread about the reference's straight
course (the level in the sump, a sponge rinsed, the probe's own wander; a clog
already under way is a course, not spread) is its healthy spread.
The flow is *reduced* when the median of the last ``SUSTAIN_MINUTES`` (no
glitch, no minute's sputter) is below that usual by more than both
``REDUCED_FRACTION`` of it and ``SPREAD_Z`` of its healthy spread, with the
pump on throughout.  Nothing is learned while a flow alert stands, so a clog
is never learned as the filter's usual flow.

Examples
--------
>>> t = np.arange(24 * 60) * 60_000
>>> flow = np.full(len(t), 20.0) + 0.1 * np.sin(np.arange(len(t)))
>>> watch = FlowWatch()
>>> watch.learn(t, flow, np.ones(len(t)), 0.5)
>>> round(watch.usual, 1), watch.usual > 0 and watch.spread < 0.2
(20.0, True)
>>> late = np.full(30, 13.0)  # 35 % down for half an hour
>>> round(watch.short_by(late, np.ones(30), 0.5), 2), watch.reduced(watch.short_by(late, np.ones(30), 0.5), False)
(0.35, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS, Transition
from analytics.medians import flat_median

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]

#: a filter passing this fraction less than its clean flow needs cleaning: filter makers' advice is to clean
#: when the flow has visibly dropped, by a quarter to a third; past half, flow_low says it is clogged
REDUCED_FRACTION = 0.3
#: ... and the drop must be beyond this many of the filter's own healthy spread of hourly medians
SPREAD_Z = 4.0
#: the flow judged is the median of this many minutes: a sustained drop, not a glitch or a sputter
SUSTAIN_MINUTES = 30
#: hourly medians with at least this many readings of the pump running are learned from; at least
#: ``LEARN_HOURS`` of them are needed
HOUR_READINGS, LEARN_HOURS = 30, 12
#: a firing alert holds until the drop is back under this share of its threshold (no flapping at the edge)
HOLD = 0.8


@dataclass
class FlowWatch:
    """The filter's clean flow and healthy spread (l/min), learned while healthy, and the reduced-flow test."""

    usual: float = 0.0  # 0: not learned yet
    spread: float = 0.0
    learned_at_ms: int = -1

    def learn(self, t_ms: Array, flow: Array, pump: Array, stopped_lpm: float) -> None:
        """Learn from minute rows (a healthy reference): hourly medians of the flow while the pump runs."""
        flow = np.where((np.asarray(pump) == 1.0) & (np.asarray(flow) >= stopped_lpm), flow, np.nan)
        m = len(flow) // 60 * 60
        if m < LEARN_HOURS * 60:
            return
        hours = flow[len(flow) - m:].reshape(-1, 60)
        hours = hours[np.isfinite(hours).sum(axis=1) >= HOUR_READINGS]
        if len(hours) < LEARN_HOURS:
            return
        medians = np.nanmedian(hours, axis=1)
        self.usual = float(np.quantile(medians, 0.9))
        # the spread about the reference's own straight course (Theil–Sen): a clog under way in the reference is
        # a course, not spread, and must not widen what a clog is judged against
        x = np.arange(len(medians), dtype=np.float64)
        i, j = np.triu_indices(len(medians), k=1)
        slope = float(flat_median((medians[j] - medians[i]) / (x[j] - x[i])))
        resid = medians - slope * x
        self.spread = float(1.4826 * flat_median(np.abs(resid - flat_median(resid))))

    def short_by(self, flow: Array, pump: Array, stopped_lpm: float) -> float:
        """How far (a fraction of the usual flow) the last minutes' median flow is below usual; NaN when it
        cannot be judged: nothing learned, the pump off at any of those minutes, too few readings, or no flow
        at all (a stopped pump is ``pump_stopped``'s)."""
        flow, pump = np.asarray(flow, dtype=np.float64), np.asarray(pump, dtype=np.float64)
        ok = np.isfinite(flow)
        if self.usual <= 0 or ok.sum() < 0.6 * SUSTAIN_MINUTES or np.any(pump[np.isfinite(pump)] != 1.0):
            return float("nan")
        median = float(flat_median(flow[ok]))
        return float("nan") if median < stopped_lpm else 1.0 - median / self.usual

    def threshold(self) -> float:
        """The drop (a fraction of usual) that is a reduced flow: beyond both the fraction and the spread."""
        return max(REDUCED_FRACTION, SPREAD_Z * self.spread / self.usual) if self.usual > 0 else float("inf")

    def reduced(self, short: float, firing: bool) -> bool:
        """``short`` (from :meth:`short_by`) is a reduced flow; a firing alert holds a little below it."""
        return bool(np.isfinite(short) and short > self.threshold() * (HOLD if firing else 1.0))


def flow_reduced_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
    """The ``flow_reduced`` rule of a tank monitor (:class:`analytics.monitor.TankMonitor`) at ``now_ms``.

    Learns the filter's clean flow every ``refit_minutes`` from the reference (not while a flow alert
    stands or in maintenance), then judges the last ``SUSTAIN_MINUTES``: not while the keeper's water
    change has the filter off or restarting, nor in maintenance.
    """
    watch, s, p = mon.flow_watch, mon.settings, mon.profile
    flows = ("flow_reduced", "flow_low", "pump_stopped")
    pump = frame["pump"] if "pump" in frame else np.ones(len(t_ms))
    if now_ms - watch.learned_at_ms >= s.refit_minutes * MIN_MS and not mon.in_maintenance(now_ms) and \
            not any(mon.firing(k) for k in flows):
        ref = t_ms >= now_ms - s.reference_hours * 3_600_000
        watch.learn(t_ms[ref], frame["flow_lpm"][ref], pump[ref], p.flow_stopped_lpm)
        watch.learned_at_ms = now_ms
    recent = t_ms >= now_ms - SUSTAIN_MINUTES * MIN_MS
    short = watch.short_by(frame["flow_lpm"][recent], pump[recent], p.flow_stopped_lpm)
    quiet = mon.in_maintenance(now_ms) or mon.water_moving(now_ms) or mon.refilled_lately(now_ms)
    held = mon.firing("flow_reduced")
    reduced = watch.reduced(short, held) and not quiet
    now = watch.usual * (1.0 - short) if np.isfinite(short) else float("nan")
    return mon._rule("flow_reduced", reduced, now_ms, now,
                     f"Filter flow reduced: {now:.1f} l/min, {100 * short:.0f} % down on its usual "
                     f"{watch.usual:.1f} l/min for the last {SUSTAIN_MINUTES} minutes. The filter is clogging or "
                     "the pump's impeller is fouling: clean the filter (rinse the sponge or pre-filter in tank "
                     "water) and the impeller before the flow stops.")
