"""An ageing probe: one probe-prone reading leaving its own past days alone, steadily, one way.

The drift's part (:class:`analytics.drift.DriftMixin`) that tells a keeper
"the pH probe is probably ageing: recalibrate it" and keeps it told until it is
recalibrated.  The decision itself is :func:`ageing_line`, a pure function of
the reading's departures from the same half hour of its past days (now, 3 h and
6 h ago), the spread a healthy day shows, and the keeper's profile.

Round 10: told only when the water could not have done it.  A keeper's pH
moves by a few hundredths over days (buffer used, CO2, feeding, new water
that is a little harder); an ageing probe is a steady one-way drift larger
than the water's own day-to-day spread and at least a day of the drift the
keeper's profile calls "recalibrate" (``probe_drift_per_day``), and it does
not begin the hour the keeper poured new water in.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, MIN_MS
from analytics.monitor_host import HostBase
from analytics.past_days import departure_from_past_days

Array = NDArray[np.float64]

#: the hours back at which the departure is read (now, mid, old): a line over six hours, not a step
LINE_HOURS = (0, 3, 6)
#: the minutes each departure averages (:func:`analytics.past_days.departure_from_past_days`)
HALF_HOUR = 30
#: another reading whose departures from its past days climb or sink this surely is moving with the water
#: (a normal score: 0.3 % by chance)
COMOVING_Z = 3.0
#: the hours those departures are read over: twice the line's (a tint of a few hundredths of an NTU is
#: lost in six hours' scatter, not in twelve)
COMOVING_HOURS = 2 * LINE_HOURS[-1]


def ageing_line(now: float, mid: float, old: float, spread: float, smallest: float, fastest_per_day: float) -> bool:
    """The departures from the past days, now, 3 h and 6 h ago, are an ageing probe's drift.

    Parameters
    ----------
    now, mid, old
        The reading's half-hour departure from the same half hour of its past
        days, now, 3 h ago and 6 h ago (NaN: no past day to judge by).
    spread
        The standard deviation of such a departure on a healthy day: the
        probe's noise and how much the water's level at this hour differs
        from one day to the next.
    smallest
        The smallest departure worth the verdict (the keeper's recalibration
        drift of a day, ``probe_drift_per_day``).
    fastest_per_day
        A drift faster than this is no ageing (the water, or a step).

    Returns
    -------
    bool
        True when ``now`` is 3 spreads and ``smallest`` away, the same way as
        ``mid``, which lies between a quarter and 85 % of it, and ``old`` is
        nearer usual than ``mid``: a line, not a step, slower than
        ``fastest_per_day``.

    Examples
    --------
    >>> ageing_line(0.06, 0.03, 0.0, spread=0.01, smallest=0.05, fastest_per_day=1.8)  # -0.25 a day, 6 h in
    True
    >>> ageing_line(0.031, 0.019, 0.0, spread=0.008, smallest=0.05, fastest_per_day=1.8)  # a few hundredths
    False
    >>> ageing_line(0.06, 0.03, 0.0, spread=0.03, smallest=0.05, fastest_per_day=1.8)  # days differ by 0.03
    False
    """
    if not (abs(now) >= 3.0 * spread and abs(now) >= smallest):  # NaN: no
        return False
    gradual = now * mid > 0 and 0.25 < mid / now < 0.85 and abs(old) < abs(mid)
    return bool(gradual and abs(now - old) * 24.0 / LINE_HOURS[-1] < fastest_per_day)


def trend_z(departures: Array) -> float:
    """How surely evenly spaced departures (NaN where missing) climb or sink: the Mann-Kendall trend test's
    normal score (the count of later-above-earlier pairs minus later-below, over its spread with no trend).

    The departures of a reading from the same half hours of its past days, one each half hour: a trend in
    ranks, so a half hour unlike its past days for a reason of its own (a feeding that was a day's bloodworms
    on a past day) weighs as one pair-count among hundreds, not as a square; no spread has to be assumed.
    NaN with fewer than four departures.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> tint = 0.004 * np.arange(25) + rng.normal(0, 0.009, 25)  # a leaf's tannins tinting the water
    >>> tint[9] -= 0.15  # and a past day's bloodworms at this hour
    >>> calm = np.random.default_rng(1).normal(0, 0.009, 25)  # a reading that stays with its past days
    >>> bool(trend_z(tint) > 3.0), bool(abs(trend_z(calm)) < 3.0)
    (True, True)
    """
    y = np.asarray(departures, dtype=np.float64)
    y = y[np.isfinite(y)]
    n = len(y)
    if n < 4:
        return float("nan")
    s = float(np.sum(np.sign(y[None, :] - y[:, None])[np.triu_indices(n, 1)]))
    var = n * (n - 1) * (2 * n + 5) / 18.0
    return (s - math.copysign(1.0, s)) / math.sqrt(var) if s else 0.0


class ProbeAgeingMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there): the ageing probe."""

    if TYPE_CHECKING:
        def _residuals(self, t_ms: Array, X: Array) -> Array: ...  # analytics.drift.DriftMixin

    def _ageing_sensors(self) -> set[str]:
        st = self.alerts.get("probe_drift")
        return set(st.sensors) if st is not None and st.state == "firing" else set()

    def _provisional(self, now_ms: int) -> bool:
        """The baseline is re-levelled on the hours of new water since a lasting change, not yet refitted.

        A reading that settles after a water change (fresh water's pH easing back
        over hours) leaves such a baseline slowly, alone: the very signature of an
        ageing probe.  A probe ages over days; it is judged again once the new
        water has a baseline of its own (``warmup_hours`` after the change).
        """
        return bool(self.learn_from_ms) and now_ms - self.learn_from_ms < self.settings.warmup_hours * 3_600_000

    def _new_water_in_line(self, now_ms: int) -> bool:
        """A water change (recognised by its TDS step or by the level) began inside the six hours judged.

        New water is a little harder or softer than the tank's and settles over
        hours: the reading leaves its past days from the minute it was poured,
        one way, as an ageing probe would.  A probe does not begin to age the
        hour the keeper changes the water; once the six hours judged hold
        water changed before them, the line is the probe's again.
        """
        start = now_ms - (LINE_HOURS[-1] * 60 + HALF_HOUR) * MIN_MS
        return max(self.last_water_change_ms, self.water_moved_ms) >= start

    def _ageing_probe(self, cond: bool, moved: list[int], sensors: list[str], t_ms: Array,
                      frame: dict[str, Array], now_ms: int) -> str | None:
        """One probe-prone channel moved alone, and gradually (hours, not minutes): the probe, not the water.

        The departure is judged against the tank's own daily course as its
        readings keep it: the same half hour of the previous days
        (:meth:`_departure_from_past_days`).  An ageing probe departs from it
        and keeps departing, whatever the hour; a steep daily course (a CO2
        tank's pH falls 0.6 every morning) only departs from a model of it,
        by a few hundredths, at the same hours every day.  The verdict is
        :func:`ageing_line`'s, its spread the probe's noise and the hour's
        day-to-day spread (:meth:`_departure_spread`).
        """
        if not cond or len(moved) != 1 or self.firing("drift") or self._provisional(now_ms) or \
                self._new_water_in_line(now_ms):
            return None
        name = sensors[moved[0]]
        if name not in self.profile.probe_drift_per_day or self.baseline is None:
            return None
        now, mid, old = (self._departure_from_past_days(frame[name], t_ms, now_ms - hours_ago * 3_600_000, now_ms)
                         for hours_ago in LINE_HOURS)
        fastest = 24 * self.profile.ph_fall_per_h / 4 if name == "ph" else math.inf
        ok = ageing_line(now, mid, old, self._departure_spread(name, frame, now_ms),
                         self.profile.probe_drift_per_day[name], fastest)
        return name if ok and not self._others_moving(name, t_ms, frame, now_ms) else None

    def _others_moving(self, name: str, t_ms: Array, frame: dict[str, Array], now_ms: int) -> list[str]:
        """The other readings that left their past days steadily over the last hours (:func:`trend_z`).

        An ageing probe moves alone: the water it sits in is the same water as on its past days.  A leaf's
        tannins, a new piece of wood, a dying snail lower the pH as slowly as an ageing probe drifts, but
        they are in the water: they tint or cloud it, and its other readings leave their past days with it,
        each by little (a few hundredths of an NTU), yet steadily, half hour after half hour, over the last
        ``COMOVING_HOURS``.  The words
        "the other readings are normal" would be false; the water's change is the drift's to tell.
        """
        out = []
        ends = [now_ms - k * HALF_HOUR * MIN_MS for k in range(COMOVING_HOURS * 60 // HALF_HOUR, -1, -1)]
        for other in self.settings.drift_sensors:
            if other == name or other not in frame:
                continue
            deps = np.array([self._departure_from_past_days(frame[other], t_ms, end, now_ms) for end in ends])
            if abs(trend_z(deps)) >= COMOVING_Z:  # (NaN: no)
                out.append(other)
        return out

    def _departure_spread(self, name: str, frame: dict[str, Array], now_ms: int) -> float:
        """How far a healthy half hour lands from its past days: the probe's noise (a minute's, as before)
        and how much this hour's mean differs from one day to the next (``day_to_day_var``)."""
        sd = self._residual_sd(name, frame)
        present = [n for n in self.settings.drift_sensors if n in frame]
        day_var = self.day_to_day_var
        if day_var is None or name not in present or day_var.shape[1] != len(present):
            return sd
        hour = int((now_ms % DAY_MS) // (DAY_MS // len(day_var)))
        return math.sqrt(sd ** 2 + float(day_var[hour, present.index(name)]))

    def _channel_off(self, name: str, t_ms: Array, frame: dict[str, Array], now_ms: int) -> bool:
        """The last 30 minutes of one channel are 3 standard deviations or more from usual."""
        present = [n for n in self.settings.drift_sensors if n in frame]
        if name not in present or self.baseline is None or self.baseline.coef.shape[1] != len(present):
            return False
        w = (t_ms >= now_ms - 30 * MIN_MS) & np.isfinite(frame[name])
        if w.sum() < 10:
            return True  # cannot tell: keep it
        X = np.stack([frame[n][w] for n in present], axis=1)
        col = present.index(name)
        r = float(np.nanmean(self._residuals(t_ms[w], X)[:, col]))
        cov = self.cov if self.cov is not None else self.baseline.cov
        return abs(r) >= 3.0 * math.sqrt(cov[col, col])

    def _still_departing(self, name: str, t_ms: Array, frame: dict[str, Array], now_ms: int) -> bool | None:
        """The reading departs from the same half hour of its past days by 3σ, the way it did 3 h ago.

        While an ageing probe is told it is out of the drift window and its
        readings are learned: the baseline takes its drift in through the trend
        and soon calls the drifting reading usual (and the recalibrated one
        off).  Against its past days a probe that keeps drifting keeps
        departing, by a day or two of its drift; one recalibrated steps back,
        the other way; one that stopped drifting is caught up by its past days.
        None when there is no past day to judge by.
        """
        now, before = (self._departure_from_past_days(frame[name], t_ms, now_ms - hours_ago * 3_600_000, now_ms)
                       for hours_ago in (0, 3))
        if math.isnan(now) or math.isnan(before):
            return None
        return bool(now * before > 0 and abs(now) >= 3.0 * self._residual_sd(name, frame))

    def _departure_from_past_days(self, x: Array, t_ms: Array, end_ms: int, now_ms: int) -> float:
        """The reading's last half hour before ``end_ms`` against the same half hour of its healthy past days
        within ``reference_hours`` of ``now_ms`` (:func:`analytics.past_days.departure_from_past_days`)."""
        oldest = now_ms - self.settings.reference_hours * 3_600_000
        return departure_from_past_days(t_ms, x, end_ms, oldest, self._learnable(t_ms), HALF_HOUR)
