"""Pure tests the heater rules (:mod:`analytics.tank_rules`) apply to a heated tank's temperature.

A heater has one job: to warm the water back to where it holds it.  The
tests here say when the water's own course shows it is not doing that, in the
hours after a water change when the day/night baseline cannot say what is
usual (the new water is still cool).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS, WATER_CHANGE_SETTLE_MS
from analytics.heater_hour import below_held, gap_to_days, held_at_hour, hour_fall_tail, quarter_fall_tail
from analytics.heater_trend import before_window, persistent_trend
from analytics.medians import flat_median, flat_nanmedian
from analytics.monitor_host import HostBase
from analytics.rules import theil_sen_per_hour
from analytics.thermostat import Cycle, outside_spans
from analytics.thermostat_envelope import (
    LEAST_DEPARTURE_C,
    Envelope,
    band_held,
    beyond_envelope,
    envelope_window_minutes,
    hour_envelope,
    last_turns,
)

Array = NDArray[np.float64]

#: minutes of readings the slope after a water change is read over (a heater dying shows within half an hour)
RECOVERY_SLOPE_MINUTES = 30
#: minutes after a water change is recognised before its recovery is judged (the pour, the stirring)
POUR_MINUTES = 15
#: the level the heater held before a change: the median of these minutes before it was recognised
BEFORE_CHANGE_MINUTES = (90, 30)


def cooling_after_change(before_c: float, now_c: float, slope_c_per_h: float, drop_c: float,
                         off_c_per_h: float) -> bool:
    """The water keeps cooling after a water change although it is below where the heater held it.

    After a change the new water is cooler and a working heater warms it back
    (Newton's law: the water rises toward the set point, never falls away from
    it while below it).  Water more than ``drop_c`` below the level the heater
    held before (``before_c``) and falling faster than a stopped heater lets it
    fall (``off_c_per_h``, the profile's rate) has no heater working.  Any NaN
    gives False (no level before, too few readings).

    Parameters
    ----------
    before_c : float
        The temperature the heater held before the change (°C).
    now_c : float
        The water now (°C, a median of the last minutes).
    slope_c_per_h : float
        The water's slope over the last :data:`RECOVERY_SLOPE_MINUTES` (°C/h).
    drop_c : float
        How far below ``before_c`` counts as cool (the profile's ``heater_off_drop_c``).
    off_c_per_h : float
        How fast water falls with its heater off (the profile's ``heater_off_c_per_h``).

    Examples
    --------
    >>> cooling_after_change(26.0, 25.0, -0.4, 0.4, 0.3)   # 1 °C cool and still falling: the heater is dead
    True
    >>> cooling_after_change(26.0, 25.0, +0.5, 0.4, 0.3)   # cool but coming back: the heater works
    False
    >>> cooling_after_change(26.0, 25.9, -0.4, 0.4, 0.3)   # back where it was; a fall there is the day's
    False
    """
    values = (before_c, now_c, slope_c_per_h)
    if not all(math.isfinite(v) for v in values):
        return False
    return bool(before_c - now_c > drop_c and slope_c_per_h < -off_c_per_h)


def pour_continues(tds_ppm: NDArray[np.float64], noise_ppm: float) -> bool:
    """New water is still going in: the TDS over these minutes is still stepping down.

    The last five readings' median below the first five's by more than three
    of the probe's usual minute-to-minute wobbles (``noise_ppm``) and 1 % (a
    bucket at a time: the change is recognised part-way through the refill).

    >>> bool(pour_continues(np.linspace(200, 150, 20), 1.0)), bool(pour_continues(np.full(20, 150.0), 1.0))
    (True, False)
    """
    x = np.asarray(tds_ppm, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 10:
        return False
    first, last = float(flat_median(x[:5])), float(flat_median(x[-5:]))
    return last < first - max(3.0 * noise_ppm, 0.01 * first)


def returning_side(level_c: float, now_c: float) -> int:
    """-1 where the water is below where its heater held it at this hour on the days before (``level_c``,
    :func:`analytics.heater_hour.held_at_hour`), +1 above, 0 with a NaN.

    A heater that works brings water below its level back up to it and no further (its thermostat switches
    it off there): a climb from below (a repaired heater, a cold water change, a power cut) is the heater
    working, not stuck on, until the water carries on past the level.  Mirror: water above it (a stuck
    heater unplugged, a hot afternoon) cools back toward it with the heater resting, no dead heater until it
    falls past the level.

    >>> returning_side(25.5, 22.7), returning_side(25.5, 25.8), returning_side(float("nan"), 25.0)
    (-1, 1, 0)
    """
    if not (math.isfinite(level_c) and math.isfinite(now_c)):
        return 0
    return -1 if now_c < level_c else 1 if now_c > level_c else 0


#: the recoveries a stall is judged against: the slowest of the last few healthy ones
RECOVERIES_KEPT = 5
#: minutes after a water change is recognised by which its new water is in and mixed (a jug at a time)
POURED_MINUTES = 30
#: after a water change a recovery is owed for this many of the slowest recent recovery's time constants
#: (Newton: the gap is then under 2 % of the change's)
REWARM_TAUS = 4.0


def recovery_time_constant_h(t_ms: NDArray[np.float64], temp_c: NDArray[np.float64], held_c: float,
                             noise_c: float) -> float:
    """The time constant (hours) of the water coming back to ``held_c`` after a water change; NaN if unclear.

    Newton's law: the gap to where the heater held the water shrinks as
    ``exp(-t / tau)``, so ``log(gap)`` falls on a line of slope ``-1 / tau``
    (Theil–Sen, on the readings whose gap is at least three of the probe's
    wobbles ``noise_c`` -- closer, the log is the noise's).  NaN with fewer
    than 30 such readings, or a gap that does not shrink.

    >>> t = np.arange(0, 180) * 60_000.0
    >>> round(recovery_time_constant_h(t, 26.0 - 1.5 * np.exp(-t / 7_200_000), 26.0, 0.02), 2)
    2.0
    """
    t, x = np.asarray(t_ms, dtype=np.float64), np.asarray(temp_c, dtype=np.float64)
    gap = held_c - x
    ok = np.isfinite(gap) & (gap > 3.0 * max(noise_c, 1e-3))
    if ok.sum() < 30:
        return float("nan")
    slope = theil_sen_per_hour(t[ok][::2] / 1000.0, np.log(gap[ok][::2]))
    return 1.0 / -slope if slope < 0 else float("nan")


def recovery_stalled(gap_c: float, slope_c_per_h: float, tau_h: float, slope_sd: float) -> bool:
    """The water, ``gap_c`` below where the heater held it, no longer warms at all although the tank's
    slowest recent recovery would warm it at ``gap_c / tau_h``, more than three of the slope's noise.

    A working heater brings the gap back at ``gap / tau`` (Newton); the day's
    own course (the room cooling in the evening) takes some of that, so only
    a water that has stopped coming back (slope at or below zero) where a
    recovery would clearly show is a heater not working.  False with any NaN.

    >>> recovery_stalled(1.0, -0.05, 2.0, 0.04), recovery_stalled(1.0, 0.1, 2.0, 0.04)
    (True, False)
    >>> recovery_stalled(0.2, -0.01, 2.0, 0.04)   # too close to tell a stall from the noise
    False
    """
    if not all(math.isfinite(v) for v in (gap_c, slope_c_per_h, tau_h, slope_sd)) or tau_h <= 0:
        return False
    return bool(slope_c_per_h <= 0.0 and gap_c / tau_h > 3.0 * slope_sd)


#: once this many of the slowest recent recovery's time constants have passed since a water change (Newton:
#: 86 % of its gap closed), water short of its days is no longer told as the change's recovery
CHANGE_TOLD_TAUS = 2.0


def not_rewarming_head(since_h: float, tau_h: float, water_c: float, short_c: float, toward_c_per_h: float) -> str:
    """The first sentence of a heater alert for water that stays ``short_c`` below this hour on the days before
    and no longer warms back toward them (``toward_c_per_h``), ``since_h`` after the last water change.

    Within :data:`CHANGE_TOLD_TAUS` of the tank's slowest recovery ``tau_h`` the change's recovery is what
    stalled; later the water had come back and the heater stopped since: naming the change then would point
    the keeper at a change they made many hours ago (round 25: the daily change month's noon heater death,
    16 hours after the evening's change).

    >>> not_rewarming_head(1.5, 2.0, 24.1, 1.2, -0.02)[:56]
    'Temperature not coming back after the water change (now '
    >>> not_rewarming_head(16.0, 2.0, 24.1, 1.2, -0.02)
    'Temperature below its usual for this hour and not warming back (now 24.1 °C, 1.2 °C below this hour on the days before, -0.02 °C/h toward it; a working heater warms it back +0.6 °C/h at that): '
    """
    recovering = math.isfinite(since_h) and since_h <= CHANGE_TOLD_TAUS * tau_h
    head, back = ("Temperature not coming back after the water change", "it usually warms back") if recovering \
        else ("Temperature below its usual for this hour and not warming back", "a working heater warms it back")
    return f"{head} (now {water_c:.1f} °C, {short_c:.1f} °C below this hour on the days before, " \
           f"{toward_c_per_h:+.2f} °C/h toward it; {back} {short_c / tau_h:+.1f} °C/h at that): "


def slope_sd_per_h(noise_c: float, minutes: int) -> float:
    """The standard deviation (°C/h) of a straight line's slope fitted to ``minutes`` one-minute readings of
    independent noise ``noise_c``: ``noise / sqrt(n (n² - 1) / 12)`` per minute.

    >>> round(slope_sd_per_h(0.03, 30), 3)
    0.038
    """
    n = max(int(minutes), 2)
    return 60.0 * noise_c / math.sqrt(n * (n * n - 1) / 12.0)


class RecoveryMixin(HostBase):
    """The heater rules' part that watches a water change's recovery (methods of
    :class:`analytics.monitor.TankMonitor`; its state lives there)."""

    #: the healthy water's own falls' tails over an hour and over 15 minutes (°C/h,
    #: :mod:`analytics.heater_hour`) and the hour they were learned in (again every hour from the history the
    #: rules see; not saved)
    own_falls_c_per_h: tuple[float, float] = (0.0, 0.0)
    own_falls_at_h: int = -1
    #: the water change :meth:`_at_days_before_change` last judged and its verdict (read again from the
    #: history after a restart; not saved)
    at_days_change_ms: int = -1
    at_days_before_change: bool = True

    def _own_fall_limits(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[float, float]:
        """How fast the water itself must fall for the heater-dead tests (°C/h): over the last hour (the slow
        test: the profile's stopped-heater rate, or steeper where the tank's own healthy hours fall steeper)
        and over the trend's 15 minutes (the tank's own healthy 15-minute falls; 0 before they are learned).
        A heater resting above its set point lets the water fall as the room pulls it, as on its evenings."""
        hour = now_ms // 3_600_000
        if hour != self.own_falls_at_h:
            healthy = outside_spans(t_ms, self.excluded)
            rate = self.settings.false_alarms_per_30_days
            self.own_falls_at_h = hour
            self.own_falls_c_per_h = (hour_fall_tail(t_ms, frame["temp_c"], healthy, rate),
                                      quarter_fall_tail(t_ms, frame["temp_c"], healthy, rate))
        hour_tail, quarter_tail = self.own_falls_c_per_h
        return max(self.profile.heater_off_c_per_h, hour_tail), quarter_tail

    def _below_held_at_hour(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
        """The water (the median of its last ten readings) is below where the heater held it at this hour on
        the days before (:func:`analytics.heater_hour.held_at_hour`, the healthy readings only): the slow
        heater-dead test's "below usual" read from the tank's own days, where the day/night baseline may be
        stale (a tank changed every evening is never refitted)."""
        temp = frame["temp_c"]
        last = temp[-10:]
        if not np.isfinite(last).any():
            return False
        level, margin = held_at_hour(t_ms, temp, outside_spans(t_ms, self.excluded), now_ms)
        return below_held(level, margin, float(flat_nanmedian(last)), self.profile.heater_off_drop_c,
                          self.firing("heater_dead"))

    def _toward_held(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> int:
        """Which side of where its heater held it at this hour the water is on (:func:`returning_side`): -1
        below (a climb is the water coming back), +1 above (a fall is), 0 at it or unknown."""
        temp = frame["temp_c"]
        last = temp[-10:]
        if not np.isfinite(last).any():
            return 0
        level = held_at_hour(t_ms, temp, outside_spans(t_ms, self.excluded), now_ms)[0]
        return returning_side(level, float(flat_nanmedian(last)))

    def _envelope(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[int, Envelope | None, float]:
        """A sawtooth's verdict now: where the water is against where its thermostat lets it go (-1 below,
        +1 above, 0 inside), that envelope, and how far outside it the probe alone may put the water (°C);
        (0, None, nan) for a tank without a sawtooth or before a day of history.

        The envelope is the wider of the days before at this hour (:func:`analytics.thermostat_envelope.hour_envelope`)
        and today's last cycle (:func:`analytics.thermostat_envelope.last_turns`: a band that moves with the
        room is lower on a night colder than those days); the verdict
        (:func:`analytics.thermostat_envelope.beyond_envelope`) asks the water to be out by more than the
        nights stray from one another there (a band that moves with the room), unless it falls twice as
        fast as it did there."""
        half = envelope_window_minutes(self.thermostat)
        if half <= 0:
            return 0, None, float("nan")
        temp = frame["temp_c"]
        # the days' healthy readings; all of them when the drift's exclusions leave none at this hour (the
        # median day outvotes one spoiled day)
        cycle = Cycle(*self.thermostat)
        env = hour_envelope(t_ms, temp, outside_spans(t_ms, self.excluded), now_ms, half, reversal=cycle.margin) \
            or hour_envelope(t_ms, temp, None, now_ms, half, reversal=cycle.margin)
        last = temp[-5:]
        if env is None or not np.isfinite(last).any():
            return 0, None, float("nan")
        low, high, climbing = last_turns(t_ms, temp, now_ms, cycle.period_min, cycle.margin)
        low = low if math.isfinite(low) else float("inf")
        high = high if math.isfinite(high) else float("-inf")
        # the days' envelope widened by their spread, or today's last turns where they went further (a band
        # that moves with the room is lower on a night colder than those days); the further margin a new
        # night may need below (low_spread) is what is left beyond that.  Below a regular band (the
        # thermostat's own set points, held all day) the water goes only if no heat comes in: no margin is
        # added there -- where its thermostat held the water at the band at this hour every day before
        # (band_held); a band that moves with the room, or one a healthy night already took the water below
        # at this hour (a heater flat out on a cold night, a fan's band), strays below as the room does.
        # (Above, none is added: measured, it lost a heater stuck on in a cold snap, docs/detection.md.)
        floor, ceiling = min(env.low - env.spread, low), max(env.high + env.spread, high)
        below = 0.0 if band_held(env, cycle) else max(0.0, floor - min(env.low - env.spread - env.low_spread, low))
        env = Envelope(floor, ceiling, 0.0, env.fall_c_per_h, env.rise_c_per_h, env.longest_rise_min, climbing,
                       below)
        noise = self.noise.get("temp_c", 0.0) / math.sqrt(2.0)
        slope = self._hour_slope(now_ms, t_ms, temp)
        held = -1 if self.firing("heater_dead") else 1 if self.firing("heater_stuck") else 0
        side = beyond_envelope(env, float(flat_nanmedian(last)), noise, slope, held)
        return side, env, max(LEAST_DEPARTURE_C, 3.0 * noise)

    def _trend_persists(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                        trend_of: Callable[[int, Array, dict[str, Array]], tuple[float, float, float, float]],
                        minutes: int, now: tuple[float, float, float], tail: float) -> bool:
        """Whether the water's departure from usual has climbed beyond the healthy ``tail`` for this quarter
        and the one before (:func:`analytics.heater_trend.persistent_trend`).  ``now`` is this quarter's
        (trend, z, own) as ``trend_of`` (the rules' trend, :meth:`analytics.tank_rules.RulesMixin._temp_trend`)
        gave it; the quarter before is read from the readings before ``minutes`` ago, only when this one
        already passes (lazy: most minutes it costs nothing)."""
        trend, z, own = now
        if not persistent_trend(trend, trend, own, own, z, tail):
            return False
        at = now_ms - minutes * MIN_MS
        tb, fb = before_window(t_ms, frame, at)
        before, _, _, own_before = trend_of(at, tb, fb)
        return persistent_trend(trend, before, own, own_before, z, tail)

    def _hour_slope(self, now_ms: int, t_ms: Array, temp: Array) -> float:
        """The water's slope over the last hour (°C/h; every other minute, as the rules read it); NaN with
        fewer than 36 readings."""
        tt, tw = self._recent(t_ms, temp, now_ms, 60)
        ok = np.isfinite(tw)
        return theil_sen_per_hour(tt[ok][::2] / 1000.0, tw[ok][::2]) if ok.sum() >= 36 else float("nan")

    def _not_recovering(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any],
                        off: float, floor: float = float("nan")) -> tuple[float, str] | None:
        """While a water change settles: (the water's slope, the alert's first sentence) if the heater is not
        bringing it back -- still falling, or no longer warming where the tank's recent recoveries say it
        would -- else None.

        ``floor`` (°C): for a thermostat's sawtooth, the lowest its thermostat lets the water go at this hour
        (its envelope's low): the heater held the water anywhere in its band before the change, and switches
        on only below that, so the water is judged below it, not below where it happened to be."""
        p = self.profile
        before, recovery, n = self._recovery_after_change(now_ms, t_ms, frame)
        if math.isfinite(floor):
            before = min(before, floor)
        score["temp_recovery_c_per_h"] = recovery
        last = frame["temp_c"][-5:]
        water = float(flat_nanmedian(last)) if np.isfinite(last).any() else float("nan")
        gap = before - water
        taus = self.recovery_tau_h[-RECOVERIES_KEPT:]
        # (hysteresis: once told, it holds while the water comes back slower than a recovery twice as slow)
        slowest = max(taus) * (2.0 if self.firing("heater_dead") else 1.0) if len(taus) >= 2 else float("nan")
        sd = slope_sd_per_h(self.noise.get("temp_c", 0.0) / math.sqrt(2.0), n)
        if cooling_after_change(before, water, recovery, p.heater_off_drop_c, off):
            return recovery, f"Temperature falling {recovery:+.1f} °C/h after the water change (now {water:.1f} " \
                             f"°C, {gap:.1f} °C below where the heater held it): "
        if gap > p.heater_off_drop_c and recovery_stalled(gap, recovery, slowest, sd):
            return recovery, f"Temperature not coming back after the water change ({recovery:+.1f} °C/h, now " \
                             f"{water:.1f} °C, {gap:.1f} °C below where the heater held it; it usually warms " \
                             f"back {gap / slowest:+.1f} °C/h at that): "
        return None

    def _not_rewarming(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[float, str] | None:
        """Once a water change has settled and while its recovery is still owed (:data:`REWARM_TAUS` of the
        slowest recent recovery): (the gap's slope, the alert's first sentence) if the water stays below where
        it was at this hour on the days before and no longer warms back toward it, else None.

        The tank's evenings say how it comes back after a change (the learned time constants): a heater that
        dies part-way through the recovery leaves the water short of its days, the gap to them no longer
        closing, although the tank's slowest recovery would close it at ``gap / tau``, more than three of the
        gap's slope noise.  The gap is to the days at the same minute (:func:`analytics.heater_hour.gap_to_days`),
        so the day's own course (the room cooling overnight) is no part of it; it must be beyond the days'
        own spread at this hour.  A sawtooth is judged by its thermostat's envelope instead.  Only water the
        heater held at its days before the change is owed back to them (:meth:`_at_days_before_change`: a
        keeper who turned the heater down, as at a treatment's end, held it lower on purpose)."""
        taus = self.recovery_tau_h[-RECOVERIES_KEPT:]
        since = now_ms - self.last_water_change_ms
        if self.thermostat or len(taus) < 2 or since < WATER_CHANGE_SETTLE_MS or \
                since > REWARM_TAUS * max(taus) * 3_600_000:
            return None
        healthy = outside_spans(t_ms, self.excluded)
        if not self.firing("heater_dead") and not self._at_days_before_change(t_ms, frame, healthy):
            return None
        tg, gap = gap_to_days(t_ms, frame["temp_c"], healthy, now_ms, RECOVERY_SLOPE_MINUTES * 2)
        if len(gap) < RECOVERY_SLOPE_MINUTES or not np.isfinite(gap[-10:]).any():
            return None
        margin = held_at_hour(t_ms, frame["temp_c"], healthy, now_ms)[1]
        noise = self.noise.get("temp_c", 0.0) / math.sqrt(2.0)
        short = float(flat_median(gap[-10:]))
        opening = theil_sen_per_hour(tg[::2] / 1000.0, gap[::2])
        # (the gap is the water's noise and the median day's: sqrt(1 + pi / 6) of the water's)
        sd = slope_sd_per_h(noise * math.sqrt(1.0 + math.pi / 6.0), len(gap))
        held = self.firing("heater_dead")
        if not math.isfinite(margin) or short <= max(margin, 3.0 * noise):
            return None
        if not held and not recovery_stalled(short, -opening, max(taus), sd):
            return None
        water = float(flat_nanmedian(frame["temp_c"][-5:]))
        return -opening, not_rewarming_head(since / 3_600_000, max(taus), water, short, -opening)

    def _at_days_before_change(self, t_ms: Array, frame: dict[str, Array], healthy: NDArray[np.bool_]) -> bool:
        """Whether the water was where its days were before the last water change (the median gap to the same
        minutes of the days before, over :data:`BEFORE_CHANGE_MINUTES` before it, no further below them than a
        new healthy day may go there, :func:`analytics.heater_hour.held_at_hour`); True without the readings.

        The days before are what a heater owes the water back after a change only if it held it there before
        the change: water already well below them (the keeper turning the heater down at a treatment's end, a
        set point lowered for the summer) was held at a new level of the keeper's choosing, which the days
        cannot tell.  Judged once a change (the readings before it do not change)."""
        change = self.last_water_change_ms
        if change == self.at_days_change_ms:
            return self.at_days_before_change
        far, near = BEFORE_CHANGE_MINUTES
        end = int(np.searchsorted(t_ms, change - near * MIN_MS))
        tb, temp, use = t_ms[:end], frame["temp_c"][:end], healthy[:end]
        # the days' healthy readings; all of them where the exclusions leave too few at that hour (the keeper's
        # changes at about that hour on other evenings: the median day outvotes one spoiled day)
        _, gap = gap_to_days(tb, temp, use, change - near * MIN_MS, far - near)
        if len(gap) < (far - near) // 2:
            _, gap = gap_to_days(tb, temp, None, change - near * MIN_MS, far - near)
        margin = held_at_hour(tb, temp, use, change - near * MIN_MS)[1]
        if not math.isfinite(margin):
            margin = held_at_hour(tb, temp, None, change - near * MIN_MS)[1]
        noise = self.noise.get("temp_c", 0.0) / math.sqrt(2.0)
        at_days = len(gap) < (far - near) // 2 or not math.isfinite(margin) or \
            float(flat_median(gap)) <= max(margin, 3.0 * noise)
        self.at_days_change_ms, self.at_days_before_change = change, at_days
        return at_days

    def _change_step(self, change_ms: int, at_ms: int, t_ms: Array, frame: dict[str, Array]) -> float:
        """How far the water change recognised at ``change_ms`` had moved the water by ``at_ms`` (°C: the
        median of the five minutes before it less the median of the hour before the change; NaN without the
        readings)."""
        temp = frame["temp_c"][(t_ms >= at_ms - 5 * MIN_MS) & (t_ms < at_ms)]
        far, near = BEFORE_CHANGE_MINUTES
        before = frame["temp_c"][(t_ms >= change_ms - far * MIN_MS) & (t_ms < change_ms - near * MIN_MS)]
        if not np.isfinite(temp).any() or np.isfinite(before).sum() < (far - near) // 2:
            return float("nan")
        return float(flat_nanmedian(temp)) - float(flat_nanmedian(before))

    def _hot_change(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[float, str] | None:
        """While a water change settles: (how far it lifted the water, the alert's first sentence) if its new
        water took the water above where it was before the change further than any of the tank's recent
        changes moved it (the last :data:`RECOVERIES_KEPT`, at least two, each read
        :data:`POURED_MINUTES` after it was recognised), by more than the profile's ``heater_off_drop_c``
        (how far counts as a real departure); else None.  Learns each change's step as it goes.

        A heater catching up after a change only brings the water back to where it was: water above that is
        the new water's own warmth, and fish take a sudden few degrees as a shock whatever the limits say.
        How far this keeper's changes usually move the water is the tank's own (a warm tap mixed by hand,
        cool new water every evening): only a change well beyond all of them is told, and only a step that its
        new water had made by the time it was poured (:data:`POURED_MINUTES`)."""
        change = max(self.last_water_change_ms, self.water_moved_ms)
        since = now_ms - change
        if since >= WATER_CHANGE_SETTLE_MS:
            return None
        steps = [v for at, v in self.change_steps if at != change][-RECOVERIES_KEPT:]
        step = self._change_step(change, now_ms, t_ms, frame)
        if since >= POURED_MINUTES * MIN_MS and not any(at == change for at, _ in self.change_steps) and \
                math.isfinite(step) and not self.firing("heater_stuck"):
            self.change_steps = [*self.change_steps, (change, step)][-RECOVERIES_KEPT - 1:]
        if len(steps) < 2:
            return None
        usual = max(abs(v) for v in steps)
        hold = self.firing("heater_stuck")
        if not math.isfinite(step) or step <= (0.0 if hold else usual) + self.profile.heater_off_drop_c:
            return None
        # the new water's warmth is all in once it is poured and mixed (POURED_MINUTES): the step it made is
        # the step then; water that warms further afterwards (the room's afternoon, the sun, a heater) is no
        # new water's doing, and the heater rules judge it
        if not hold and since > POURED_MINUTES * MIN_MS:
            poured = self._change_step(change, change + POURED_MINUTES * MIN_MS, t_ms, frame)
            if not poured > usual + self.profile.heater_off_drop_c:
                return None
        water = float(flat_nanmedian(frame["temp_c"][-5:]))
        return step, f"The water change lifted the temperature {step:+.1f} °C (now {water:.1f} °C), far beyond " \
                     f"the {usual:.1f} °C this tank's recent changes moved it: the new water was too warm. "

    def _recovery_after_change(self, now_ms: int, t_ms: Array, frame: dict[str, Array]
                               ) -> tuple[float, float, int]:
        """After a recognised water change: the temperature the heater held before it (°C) and the water's
        slope since the pour (°C/h, over at most :data:`RECOVERY_SLOPE_MINUTES`) and its readings; NaNs while
        new water still goes in (the TDS still falling) or with too few readings."""
        change = self.last_water_change_ms
        since = now_ms - change
        if since >= WATER_CHANGE_SETTLE_MS:
            return float("nan"), float("nan"), 0
        begin = max(now_ms - RECOVERY_SLOPE_MINUTES * MIN_MS, change + POUR_MINUTES * MIN_MS)
        w = (t_ms >= begin) & (t_ms < now_ms)
        tr, temp = t_ms[w], frame["temp_c"][w]
        ok = np.isfinite(temp)
        held = self._held_before_change(t_ms, frame)
        if ok.sum() < POUR_MINUTES or not math.isfinite(held) or \
                ("tds_ppm" in frame and pour_continues(frame["tds_ppm"][w], self.noise.get("tds_ppm", 0.0))):
            return float("nan"), float("nan"), 0
        return held, theil_sen_per_hour(tr[ok] / 1000.0, temp[ok]), int(ok.sum())

    def _held_before_change(self, t_ms: Array, frame: dict[str, Array]) -> float:
        """The temperature the heater held before the last water change (°C; NaN without the readings)."""
        far, near = BEFORE_CHANGE_MINUTES
        change = self.last_water_change_ms
        held = frame["temp_c"][(t_ms >= change - far * MIN_MS) & (t_ms < change - near * MIN_MS)]
        return float(flat_nanmedian(held)) if np.isfinite(held).sum() >= (far - near) // 2 else float("nan")

    def _learn_recovery(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> None:
        """Once a water change has settled, its recovery's time constant joins :attr:`recovery_tau_h` (the
        last :data:`RECOVERIES_KEPT`), unless a heater alert stands (a recovery a fault spoiled is no
        heater's usual)."""
        change = self.last_water_change_ms
        if now_ms - change < WATER_CHANGE_SETTLE_MS or self.recovery_fit_ms == change:
            return
        self.recovery_fit_ms = change
        if self.firing("heater_dead") or self.firing("heater_stuck"):
            return
        w = (t_ms >= change + POUR_MINUTES * MIN_MS) & (t_ms < change + WATER_CHANGE_SETTLE_MS)
        tau = recovery_time_constant_h(t_ms[w], frame["temp_c"][w], self._held_before_change(t_ms, frame),
                                       self.noise.get("temp_c", 0.0) / math.sqrt(2.0))
        if math.isfinite(tau):
            self.recovery_tau_h = [*self.recovery_tau_h, tau][-RECOVERIES_KEPT:]
