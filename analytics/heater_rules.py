"""The heater rules: the temperature's rate, and its course against the usual one and after water changes.

``heater_stuck`` and ``heater_dead`` (for an unheated tank: the sun or the
room) judge the temperature's 15-minute trend against its usual daily course
(the day/night baseline with its daily shape), not its raw rate: a sunny
conservatory's usual morning rise is no heater.  After a water change the
water is expected back where it was before, along the tank's own recovery
(Newton's law of cooling, its time constant learned from earlier changes),
so a heater dying soon after one is told by the water no longer coming back
instead of after a fixed hold.  Methods of :class:`analytics.monitor.TankMonitor`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS, WATER_CHANGE_SETTLE_MS, Transition
from analytics.monitor_host import HostBase
from analytics.rules import (
    minutes_since_fall,
    recovery_time_constant,
    small_median,
    small_nanmedian,
    theil_sen_per_hour,
)

Array = NDArray[np.float64]

#: the steady temperature trend is a Theil–Sen slope over this many minutes of the reading's departure from usual
TREND_MINUTES = 15
#: ... and the course it turned from, the slope over this many minutes before those
BEFORE_MINUTES = 30
#: the departure's own scatter is judged over this many minutes
ANCHOR_MINUTES = 360
#: the water changes whose recovery (its time constant) the heater rules remember
RECOVERIES_KEPT = 5


class TempCourse(NamedTuple):
    """The temperature against its usual daily course, now."""

    trend: float  #: slope of the departure from usual over the last TREND_MINUTES (°C/h)
    z: float  #: the departure now, in healthy standard deviations
    z_set: float  #: ... measured from where the heater held it before a water change moved the baseline down
    before: float  #: slope of the departure over the BEFORE_MINUTES before those (°C/h)
    moved: float  #: how far it moved from its level then (°C) ...
    moved_sd: float  #: ... and in its own scatter over the last ANCHOR_MINUTES
    now: float  #: the departure now (°C)
    expected: float  #: the slope the recovery after a water change gives it now (°C/h; 0 outside one)


class HeaterRulesMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    def _heater_rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any]
                      ) -> list[Transition]:
        """``heater_stuck`` and ``heater_dead``: the temperature's rate, and its course against the usual one.

        A water change pours cooler new water in: while the pour is inside a
        rate's window that rate waits (the pour is no heater).  After it the
        water is expected back along the tank's own recovery (Newton's law of
        cooling, its time constant learned from earlier changes), so a heater
        dying soon after a change is told by the water falling again, or by it
        no longer coming back, not after a fixed hold.
        """
        p, s = self.profile, self.settings
        rate, now_t = self._rate(t_ms, frame["temp_c"], now_ms, s.temp_rate_minutes)
        score["temp_rate_c_per_h"] = rate
        stuck_on, dead_on = self.firing("heater_stuck"), self.firing("heater_dead")
        # hysteresis: once firing, an alert holds until the rate is below half its threshold
        up = p.temp_rise_c_per_h * (0.5 if stuck_on else 1.0)
        down = p.temp_fall_c_per_h * (0.5 if dead_on else 1.0)
        since_pour = self._minutes_since_pour(now_ms, t_ms, frame)
        pouring = since_pour <= max(s.temp_rate_minutes, TREND_MINUTES)  # the pour is in the rate's window
        self._learn_recovery(now_ms, t_ms, frame)
        # a departure worth telling within the hour (the profile's relevant change, per hour), and steeper than
        # the healthy water's own 15-minute trends (calibrated at the stated false-alarm rate)
        floor = p.relevant_change.get("temp_c", p.heater_off_c_per_h)
        thr_up = max(floor, self.temp_trend_tail[1]) * (0.5 if stuck_on else 1.0)
        thr_down = max(floor, self.temp_trend_tail[0]) * (0.5 if dead_on else 1.0)
        c = self._temp_course(now_ms, t_ms, frame, min(thr_up, thr_down))
        score["temp_trend_c_per_h"] = c.trend
        # rising away from usual: the water 3 sigma above it (above the heater's set point after a change), or
        # a steady course turning steep while the water is not coming back from cool new water (a sunny
        # conservatory's usual daily rise hides +1 °C/h in the raw rate, not against its usual course)
        recovering = now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS
        rising = self._rising(c, thr_up, rate, recovering)
        rise = max(rate, c.trend) if rising else rate
        out = self._rule("heater_stuck", bool(rate > up or rising) and not pouring, now_ms, rise,
                         f"Temperature rising {rise:+.1f} °C/h (now {now_t:.1f} °C): " + (
                             "the heater may be stuck on. Unplug it and check its thermostat before the water "
                             "overheats." if p.heated else "the water is warming fast (sun on the tank, or a "
                             "hot room). Shade the tank and aerate it: warm water holds little oxygen."))
        slow, drop = self._cooling(now_ms, t_ms, frame)
        score["temp_rate_60_c_per_h"] = slow
        off = p.heater_off_c_per_h * (0.5 if dead_on else 1.0)
        # falling away from usual (3 sigma below it), or from a steady course; or, below usual, short of the
        # tank's own recovery toward it (a heater that died after a water change: the water stops coming back)
        excess = c.trend - c.expected
        score["temp_trend_beyond_recovery_c_per_h"] = excess
        # short of the recovery by more than the tank's own healthy recoveries fell short (or the trend tail)
        thr_back = max(floor, max((sf for _, sf in self.heat_recovery_h), default=self.temp_trend_tail[0])) * \
            (0.5 if dead_on else 1.0)
        falling = self._falling(c, thr_down, thr_back, rate, recovering)
        hour_fall = slow < -off and drop > p.heater_off_drop_c and since_pour > 60  # the pour out of its hour
        dead = (rate < -down or hour_fall or falling) and not pouring
        fall = rate if rate < -down else (slow if hour_fall else c.trend)
        if dead and c.trend >= -thr_down and excess < -thr_back and rate >= -down and not hour_fall:
            text = (f"Temperature not coming back (now {now_t:.1f} °C, {-c.now:.1f} °C below usual, "
                    f"{c.trend:+.1f} °C/h where the tank usually recovers {c.expected:+.1f} °C/h): " + (
                        "the heater may have failed. Check that it is powered and its light comes on." if p.heated
                        else "the room is cooling the water. Keep the room from getting colder."))
        else:
            text = f"Temperature falling {fall:+.1f} °C/h (now {now_t:.1f} °C): " + (
                "the heater may have failed. Check that it is powered and its light comes on."
                if p.heated else "the water is cooling fast (a cold room, a draught or an open "
                "window). Keep the room from getting colder.")
        return out + self._rule("heater_dead", bool(dead), now_ms, fall, text)

    @classmethod
    def _rising(cls, c: TempCourse, threshold: float, rate: float, recovering: bool) -> bool:
        """Warming away from usual: steeper than ``threshold`` with the water 3 sigma above usual (above the
        heater's set point after a water change), or a steady course turned steep (not while the water
        comes back from a water change)."""
        return bool(c.trend > threshold and (c.z_set >= 3.0 or (
            cls._turned(c, threshold, rate) and c.z_set > -3.0 and not recovering)))

    @classmethod
    def _falling(cls, c: TempCourse, threshold: float, short: float, rate: float, recovering: bool) -> bool:
        """Cooling away from usual (as :meth:`_rising`, the other way), or, far below where the water was
        before a water change, no longer coming back: not warming at all where the tank's own recovery
        would warm it faster than ``short``."""
        away = c.trend < -threshold and (c.z <= -3.0 or (cls._turned(c, -threshold, rate) and c.z < 3.0
                                                         and not recovering))
        stopped = c.trend - c.expected < -short and c.trend <= 0.0 and c.z <= -3.0 and c.expected > 0
        return bool(away or stopped)

    @staticmethod
    def _turned(c: TempCourse, threshold: float, rate: float) -> bool:
        """A steady course turned steep: its slope before within the threshold, the water moved from the
        level it held then by what the threshold gives in a trend window and by 3 of its own recent scatter,
        and the water itself (its raw ``rate``) moving that way beyond the threshold: a usual course that
        turns while the water stays put (a dip learned from other days' water changes) is not the heater
        (the sign of ``threshold`` is the direction)."""
        sign = math.copysign(1.0, threshold)
        return bool(abs(c.before) <= abs(threshold) and sign * c.moved >= abs(threshold) * TREND_MINUTES / 60
                    and sign * c.moved_sd >= 3.0 and sign * rate >= abs(threshold))

    def _minutes_since_pour(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> float:
        """Minutes since fresh water last went in (the TDS stepping down; inf: not in the last 90 minutes,
        and no water change recognised)."""
        if "tds_ppm" not in frame:
            return float("inf")
        tw, tds = self._recent(t_ms, frame["tds_ppm"], now_ms, 90)
        # beyond three times the probe's usual minute-to-minute wobble (the spread of its successive steps);
        # or since the change was recognised (the TDS's ten-minute median: a few minutes after the pour)
        fell = minutes_since_fall(tw, tds, now_ms, least=3.0 * self.noise.get("tds_ppm", 0.0))
        return min(fell, (now_ms - self.last_water_change_ms) / MIN_MS)

    def _temperature_departure(self, tw: Array, temp: Array, frame: dict[str, Array]) -> Array | None:
        """The temperature's departure from its usual course at ``tw`` (None without a baseline).

        After a water change the baseline waits to be re-levelled, but the
        temperature keeps its level (the heater or the room brings it back), so
        its usual course holds meanwhile.
        """
        after_change = self.relevel_pending and self.learn_from_ms == \
            self.last_water_change_ms + WATER_CHANGE_SETTLE_MS
        usual = self._usual_series("temp_c", tw, frame, shape_only=after_change)
        return None if usual is None else temp - usual

    def _temp_course(self, now_ms: int, t_ms: Array, frame: dict[str, Array], steep: float) -> TempCourse:
        """The temperature's course against its usual one (see :class:`TempCourse`); NaNs without one.

        How far it moved against its own recent scatter is worked out only
        for a trend steeper than ``steep`` (no rule reads it otherwise).
        """
        nan = float("nan")
        tw, temp = self._recent(t_ms, frame["temp_c"], now_ms, TREND_MINUTES + BEFORE_MINUTES)
        r = self._temperature_departure(tw, temp, frame)
        recent = tw >= now_ms - TREND_MINUTES * MIN_MS
        if r is None or np.isfinite(r[recent]).sum() < 0.8 * TREND_MINUTES:
            return TempCourse(nan, nan, nan, nan, nan, nan, nan, 0.0)
        slope = theil_sen_per_hour(tw[recent] / 1000.0, r[recent])
        early = ~recent
        before = theil_sen_per_hour(tw[early][::2] / 1000.0, r[early][::2]) \
            if np.isfinite(r[early]).sum() >= 0.8 * BEFORE_MINUTES else nan
        sd = self._residual_sd("temp_c", frame)
        now = small_nanmedian(r[recent][-5:])
        moved_c, moved_sd = nan, nan
        if abs(slope) > steep and np.isfinite(r[early]).any():
            # how far it moved from the level it held just before, against how the departure scattered over
            # the last hours (its usual course fits some days better than others: a level test of its own)
            ta, temp_a = self._recent(t_ms, frame["temp_c"], now_ms, ANCHOR_MINUTES)
            past = self._temperature_departure(ta, temp_a, frame)
            past = np.zeros(0) if past is None else past[ta < now_ms - TREND_MINUTES * MIN_MS]
            past = past[np.isfinite(past)]
            if len(past) >= ANCHOR_MINUTES // 2:
                spread = 1.4826 * small_median(np.abs(past - small_median(past)))
                moved_c = now - small_nanmedian(r[early])
                moved_sd = moved_c / max(spread, 1e-9)
        present = [n for n in self.settings.drift_sensors if n in frame]
        moved = 0.0 if self.relevelled_by is None or len(self.relevelled_by) != len(present) else \
            float(self.relevelled_by[present.index("temp_c")])
        z_set = (now + min(moved, 0.0)) / sd
        expected = 0.0
        if now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS:
            # after a water change the heater (or the room) brings the water back to where it held it before,
            # at |how far it still is| / tau (Newton's law of cooling, tau learned from earlier changes)
            back = self._from_before_change(tw[recent], temp[recent], t_ms, frame)
            if back is not None:
                slope = theil_sen_per_hour(tw[recent] / 1000.0, back)
                now, mean = small_nanmedian(back[-5:]), small_nanmedian(back)
                z_set = now / sd
                tau = max((tau for tau, _ in self.heat_recovery_h), default=0.0)
                expected = -mean / tau if tau > 0 and mean <= -3.0 * sd else 0.0
        return TempCourse(slope, now / sd, z_set, before, moved_c, moved_sd, now, expected)

    def _from_before_change(self, tw: Array, temp: Array, t_ms: Array, frame: dict[str, Array]) -> Array | None:
        """The temperature at ``tw`` against where it was before the last water change (its 30 minutes an
        hour before the change was recognised, as the TDS's "before" is); None without those readings.

        A heater brings the water back to its set point, whatever the room
        does; an unheated tank's water goes back to the room's usual course, so
        there the departure from usual is compared with the one before.
        """
        at = self.last_water_change_ms
        sel = (t_ms >= at - 90 * MIN_MS) & (t_ms < at - 60 * MIN_MS)
        if np.isfinite(frame["temp_c"][sel]).sum() < 10:
            return None
        if self.profile.heated:
            return temp - float(np.nanmedian(frame["temp_c"][sel]))
        r = self._temperature_departure(tw, temp, frame)
        r_pre = self._temperature_departure(t_ms[sel], frame["temp_c"][sel], frame)
        return None if r is None or r_pre is None else r - float(np.nanmedian(r_pre))

    def _learn_recovery(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> None:
        """Three hours after a water change, learn how fast the tank brought the cool new water back.

        Only from a change whose hours no heater alert spoiled; the last
        :data:`RECOVERIES_KEPT` are kept, and the rules expect the slowest of them.
        """
        at = self.last_water_change_ms
        if at <= self.recovery_learned_ms or now_ms - at < WATER_CHANGE_SETTLE_MS:
            return
        self.recovery_learned_ms = at
        if any(self._alert(k).state != "ok" or self._alert(k).since_ms > at for k in ("heater_dead", "heater_stuck")):
            return
        sel = (t_ms >= at + 2 * TREND_MINUTES * MIN_MS) & (t_ms < at + WATER_CHANGE_SETTLE_MS)  # poured
        back = self._from_before_change(t_ms[sel], frame["temp_c"][sel], t_ms, frame)
        sd = self._residual_sd("temp_c", frame)
        if back is None or not np.isfinite(sd):
            return
        tau = recovery_time_constant(t_ms[sel], back, 3.0 * sd)
        if not math.isfinite(tau):
            return
        # how far this healthy recovery's 15-minute trends fell short of the expected one (the slowest learned)
        slowest = max([tau] + [x for x, _ in self.heat_recovery_h])
        tw, short = t_ms[sel], 0.0
        for k in range(0, len(back) - TREND_MINUTES + 1, 5):
            level = float(np.nanmedian(back[k:k + TREND_MINUTES]))
            if level <= -3.0 * sd:
                slope = theil_sen_per_hour(tw[k:k + TREND_MINUTES] / 1000.0, back[k:k + TREND_MINUTES])
                short = max(short, -(slope + level / slowest)) if math.isfinite(slope) else short
        self.heat_recovery_h = [list(x) for x in self.heat_recovery_h][-(RECOVERIES_KEPT - 1):] + [[tau, short]]

    def _cooling(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[float, float]:
        """The temperature's slope over the last hour (°C/h) and how far it is below usual.

        Usual is the day/night baseline's value now when fitted, else the median of the last six hours;
        a tank cooling back after a heater stuck on is above usual, not a dead heater.
        """
        tt, temp = self._recent(t_ms, frame["temp_c"], now_ms, 60)
        if np.isfinite(temp).sum() < 36:
            return float("nan"), float("nan")
        slope = theil_sen_per_hour(tt[::2] / 1000.0, temp[::2])  # every other minute: a quarter of the pairs
        present = [n for n in self.settings.drift_sensors if n in frame]
        if self.baseline is not None and "temp_c" in present and self.baseline.coef.shape[1] == len(present) \
                and not self.relevel_pending:
            usual = float(self._usual(now_ms)[present.index("temp_c")])
        else:
            _, hist = self._recent(t_ms, frame["temp_c"], now_ms, 360)
            usual = float(np.nanmedian(hist))
        return slope, usual - float(np.median(temp[np.isfinite(temp)][-10:]))  # (36 or more are finite)

    def _rate(self, t_ms: Array, x: Array, now_ms: int, minutes: int) -> tuple[float, float]:
        """(slope per hour over the last ``minutes``, the latest reading); the slope is NaN while fewer
        than 60 % of those minutes have a reading."""
        tw, xw = self._recent(t_ms, x, now_ms, minutes)
        enough = np.isfinite(xw).sum() >= 0.6 * minutes
        return (theil_sen_per_hour(tw / 1000.0, xw) if enough else float("nan")), self._last(xw)
