"""Days, the water-change forecast and water changes: what the daily summary and forecast are made of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import (
    DAY_MS,
    FORECAST_SENSORS,
    KEPT_BY_A_WATER_CHANGE,
    LABELS,
    MIN_MS,
    WATER_CHANGE_SETTLE_MS,
    Transition,
)
from analytics.forecast import LocalLinearTrend
from analytics.level_pause import running_column
from analytics.medians import flat_nanmedian
from analytics.monitor_host import HostBase
from analytics.water_change import (
    DRAIN_READINGS,
    FOLLOW_MINUTES,
    HABIT_CHANGES,
    HABIT_GAP_HOURS,
    MARK_MINUTES,
    MOVE_MINUTES,
    NOISE_SIGMAS,
    RECENT_MINUTES,
    RESTART_MINUTES,
    DrainUnderWay,
    back_at_mark,
    fell,
    filter_switched_off,
    filter_unplugged,
    level_moved,
    past_drain,
    ran_before,
    stepped_at,
    too_soon,
    unlike_habit,
)

#: what new water moves (cloudy, softer, cooler): out of the drift while a drain is followed
NEW_WATER_READINGS = ("turb_ntu", "tds_ppm", "ph", "temp_c")
#: a drain this soon after the keeper's last water change is not learned as one (a siphon left running)
HABIT_GAP_HOURS_MS = int(HABIT_GAP_HOURS * 3_600_000)

Array = NDArray[np.float64]


@dataclass
class ForecastPoint:
    """One sensor's water-change (or top-up) forecast, made from daily means."""

    sensor: str
    t_ms: int
    rate_per_day: float
    days_to_limit: float
    low: float
    high: float
    limit: float

    def text(self) -> str:
        label = LABELS.get(self.sensor, (self.sensor, "", 2))[0]
        what = "water change" if self.sensor != "level_cm" else "top-up"
        if self.days_to_limit == 0:
            return f"{what} due now ({label} at its limit of {self.limit:g})"
        if not math.isfinite(self.days_to_limit):
            return f"no {what} due: {label} is not heading for its limit"
        high = "?" if not math.isfinite(self.high) else f"{self.high:.0f}"
        return f"{what} due in about {self.days_to_limit:.0f} days ({self.low:.0f}–{high})"


@dataclass
class DayRecord:
    """What one day looked like, for the daily summary."""

    day_start_ms: int
    stats: dict[str, tuple[float, float, float]]  # sensor -> (min, mean, max)
    fired: list[Transition]
    forecasts: list[ForecastPoint]
    notes: list[str]
    end_ms: int = 0  # the next day's start: a local day is 23 or 25 hours long when the clocks change

    def length_ms(self) -> int:
        return (self.end_ms or self.day_start_ms + DAY_MS) - self.day_start_ms


def keeper_zone_of(time_zone: str, utc_offset_minutes: int) -> tzinfo | None:
    """The zone whose midnights start the keeper's days; None for plain UTC days."""
    if time_zone:
        return ZoneInfo(time_zone)
    if utc_offset_minutes:
        return timezone(timedelta(minutes=utc_offset_minutes))
    return None


def local_day_start(t_ms: int, zone: tzinfo | None) -> int:
    """Start (ms) of the keeper's day holding ``t_ms``: local midnight in ``zone``, UTC midnight without one.

    >>> local_day_start(1_767_225_600_000 + 3_600_000, None)  # 2026-01-01 01:00 UTC
    1767225600000
    >>> local_day_start(1_767_225_600_000 - 1_800_000, ZoneInfo("Europe/Berlin"))  # 23:30 UTC = 00:30 in Berlin
    1767222000000
    """
    if zone is None:
        return t_ms - t_ms % DAY_MS
    d = datetime.fromtimestamp(t_ms / 1000, zone).date()
    return int(datetime(d.year, d.month, d.day, tzinfo=zone).timestamp() * 1000)


class DaysMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    def _tds_dropping(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
        """TDS is stepping down now (fresh water going in): the start of a water change; or a water change
        recognised by the level (the keeper's water moved) is settling (``WATER_CHANGE_SETTLE_MS``), or a
        drain is being refilled."""
        if now_ms - self.water_moved_ms < WATER_CHANGE_SETTLE_MS:
            return True
        drain = self.drain
        if drain is not None and drain.low_readings >= DRAIN_READINGS and "level_cm" in frame and \
                self._last(frame["level_cm"][-3:]) > drain.deepest_cm + drain.threshold_cm:
            return True  # a drain is being refilled (no leak refills itself): the new water is going in
        if "tds_ppm" not in frame:
            return False
        _, now = self._recent(t_ms, frame["tds_ppm"], now_ms, 3)
        w = (t_ms >= now_ms - 90 * MIN_MS) & (t_ms < now_ms - 60 * MIN_MS)
        before = frame["tds_ppm"][w]
        if not np.isfinite(now).any() or np.isfinite(before).sum() < 10:
            return False
        return bool(0.3 * flat_nanmedian(before) < flat_nanmedian(now) < 0.95 * flat_nanmedian(before))

    def _accumulate_day(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> None:
        new = t_ms > self.last_row_ms
        if not new.any():
            return
        zone = keeper_zone_of(self.settings.time_zone, self.settings.utc_offset_minutes)
        for i in np.flatnonzero(new):
            t = int(t_ms[i])
            # a local day is at least 23 hours: only near its end can a reading start the next one
            near_end = self.day_start_ms is None or t >= self.day_start_ms + DAY_MS - 3_600_000
            day = local_day_start(t, zone) if near_end else cast(int, self.day_start_ms)  # near_end if None
            if self.day_start_ms is None:
                self.day_start_ms = day
            if day != self.day_start_ms:
                self._close_day(day)
            for name in LABELS:
                if name in frame and np.isfinite(frame[name][i]):
                    self.day_rows.setdefault(name, []).append(float(frame[name][i]))
        self.last_row_ms = int(t_ms[-1])

    def _close_day(self, next_day_ms: int) -> None:
        assert self.day_start_ms is not None
        day = self.day_start_ms
        stats = {n: (min(v), float(np.mean(v)), max(v)) for n, v in self.day_rows.items() if len(v) >= 60}
        points: list[ForecastPoint] = []
        complete = all(len(v) >= 0.8 * 1440 for v in self.day_rows.values()) and self.day_rows
        for name in FORECAST_SENSORS:
            lim = self.profile.limit(name)
            limit, upper = (lim.high, True) if lim.high is not None else (lim.low, False)
            if limit is None or name not in stats or not complete:
                continue
            f = self.forecasts.setdefault(name, LocalLinearTrend())
            f.update(day / DAY_MS, stats[name][1])
            est, low, high = f.days_until(limit, upper=upper)
            if np.isfinite(est) or est == math.inf:
                # the day's mean stands for its middle: count from the end of the day
                shift = 0.5 if math.isfinite(est) and est > 0 else 0.0
                pt = ForecastPoint(name, next_day_ms, f.rate_per_day, max(est - shift, 0.0),
                                   max(low - shift, 0.0), max(high - shift, 0.0), limit)
                self.last_forecast[name] = pt
                points.append(pt)
        self.finished_days.append(DayRecord(day, stats, list(self.day_fired), points, list(self.day_notes),
                                            next_day_ms))
        self.day_rows, self.day_fired, self.day_notes = {}, [], []
        self.day_start_ms = next_day_ms

    def due_transitions(self, now_ms: int) -> list[Transition]:
        """``water_change_due`` from the latest forecast (info: it goes to the daily summary)."""
        pt = self.last_forecast.get("tds_ppm")
        due = pt is not None and math.isfinite(pt.days_to_limit) and pt.days_to_limit <= self.settings.due_days
        return self._rule("water_change_due", bool(due), now_ms, pt.days_to_limit if pt else float("nan"),
                          f"Water change due: {pt.text() if pt else ''}; TDS rising {pt.rate_per_day:+.1f} ppm "
                          "a day." if pt else "")

    def _water_change(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
        """A water change: the level moved by the keeper (:meth:`_level_water_change`), or a step down in
        TDS (fresh water dilutes).  Re-learn; a TDS step also resets the forecast."""
        out = self._level_water_change(now_ms, t_ms, frame)
        if "tds_ppm" not in frame or now_ms - self.last_tds_change_ms < 6 * 3_600_000:
            return out
        w_now = t_ms >= now_ms - 10 * MIN_MS
        w_before = (t_ms >= now_ms - 90 * MIN_MS) & (t_ms < now_ms - 60 * MIN_MS)
        tds_now = flat_nanmedian(frame["tds_ppm"][w_now]) if w_now.sum() >= 5 else float("nan")
        tds_before = flat_nanmedian(frame["tds_ppm"][w_before]) if w_before.sum() >= 15 else float("nan")
        # fresh water dilutes: TDS steps down by a tenth or more; a probe reading near nothing has died
        # (probe_stuck), it is not a water change -- not even in the minutes when the last ten readings
        # still straddle its fall and their median lands half-way.  The sump level need not move: a
        # display-tank refill
        lowest = np.nanmin(frame["tds_ppm"][w_now]) if np.isfinite(frame["tds_ppm"][w_now]).any() else float("nan")
        if not (0.3 * tds_before < tds_now < 0.9 * tds_before and lowest > 0.3 * tds_before):
            return out
        self.last_tds_change_ms = now_ms
        for f in self.forecasts.values():
            f.reset()
        self.last_forecast.clear()
        return out + self._record_water_change(
            now_ms, now_ms - 90 * MIN_MS, f"TDS {tds_before:.0f} → {tds_now:.0f} ppm; forecast reset",
            f"TDS {tds_before:.0f} → {tds_now:.0f} ppm")

    def _record_water_change(self, now_ms: int, start_ms: int, note: str, why: str,
                             moved: tuple[str, ...] | None = None) -> list[Transition]:
        """Enter a water change at ``now_ms``: the heater and level rules hold; the drift episode the change
        opened is closed.  ``moved`` None (a TDS step: the water is another water now): the drift
        re-learns on the new water once the heater has caught up.  Else the water is the tank's own kind
        (a level-recognised change, TDS not stepped by a change's tenth): the readings in ``moved``, which
        stepped with the new water, stay out of the drift until back near usual (at most
        ``accept_after_hours``, when a drift becomes the new normal; the temperature until the heater has
        brought it back)."""
        # (last_water_change_ms is the TDS path's: the drift's re-levelling keys on it; a level-recognised
        # change holds the rules through water_moved_ms)
        if moved is None:
            self.last_water_change_ms = now_ms
        else:
            self.water_moved_ms = now_ms
        kept = [n for n in KEPT_BY_A_WATER_CHANGE if n in self.settings.drift_sensors]
        if moved is None:
            # the new normal is the water once the heater has caught up (cooler new water is not the level)
            self.accept_change(now_ms + WATER_CHANGE_SETTLE_MS)
            self.settling = kept
        else:
            self.settling = list(dict.fromkeys([*kept, *(n for n in moved if n in self.settings.drift_sensors)]))
        self._exclude(start_ms, now_ms)
        self.day_notes.append(f"water change detected: {note}")
        out: list[Transition] = []
        # what the change itself moved is not a fault: close the drift episode it opened
        st = self.alerts.get("drift")
        if st is not None and st.state != "ok":
            was = st.state
            st.state, st.since_ms, st.clear_since_ms = "ok", now_ms, 0
            if was == "firing":
                out.append(Transition("drift", "warning", "resolved", f"Resolved: it was a water change ({why}).",
                                      now_ms, 0.0))
        return out

    def water_moving(self, now_ms: int) -> bool:
        """The keeper's drain is under way (in its first ``DRAIN_READINGS`` readings, or the new water has
        shown with it), or its refill ended less than ``RESTART_MINUTES`` ago: the level and the filter's
        flow are the keeper's doing (the level and flow rules hold).  A fall no new water has shown with is
        no water change: past its first readings the rules judge it."""
        drain = self.drain
        return drain is not None and (drain.recorded or drain.habitual or drain.low_readings < DRAIN_READINGS) \
            or now_ms - self.drain_end_ms < RESTART_MINUTES * MIN_MS

    def _first_drain_hint(self) -> str:
        """Words for a fast fall while no water change of the keeper's is learned yet: how to avoid the page."""
        if self.drain is None or self.keeper_drains:
            return ""
        return ("If you are changing water: once it is refilled with new water aquamon learns your water changes "
                "and holds the next ones like it; until then `aquamon silence " + self.tank + " --maintenance "
                "--for 1h` (or the web app's \"I'm doing a water change\" button) before you drain holds the alerts. ")

    def water_held(self, now_ms: int) -> set[str]:
        """The readings the keeper's water change in progress moves, kept out of the drift: while a drain is
        followed (the gravel vacuum stirs the turbidity, the new water steps the rest as it pours in), and what
        the new water stepped (cloudy, softer) for a drift window after its refill; then the settling (back
        near usual) takes over.  The rules (pH crash, temperature range, heater) stay live."""
        held = {n for n, until in self.drift_held_until.items() if now_ms < until}
        drain = self.drain
        if drain is not None and drain.low_readings >= DRAIN_READINGS and not drain.timed_out:
            # (a leak moves none of them; while the level tells it, the drift has nothing to add)
            held |= {n for n in NEW_WATER_READINGS if n in self.settings.drift_sensors}
        return held

    def refilled_lately(self, now_ms: int) -> bool:
        """A drain of the keeper's ended within ``MOVE_MINUTES``: a filter not running is one not restarted."""
        return now_ms - self.drain_end_ms < MOVE_MINUTES * MIN_MS

    def _level_water_change(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
        """Water moved by the keeper (:mod:`analytics.water_change`): a drain followed to its refill, or a
        top-up of different water (a reading stepped with it)."""
        if now_ms - self.water_moved_ms > self.settings.accept_after_hours * 3_600_000 and self.settling:
            # a step of the new water not back near usual by then is the new normal, as a drift would be
            self.settling = [n for n in self.settling if n in KEPT_BY_A_WATER_CHANGE]
        if "level_cm" not in frame:
            return []
        level = frame["level_cm"]
        drain = self.drain
        if drain is not None:
            return self._follow_drain(drain, now_ms, self._last(self._recent(t_ms, level, now_ms, 3)[1]), t_ms, frame)
        if now_ms - self.drain_end_ms < (RECENT_MINUTES + MARK_MINUTES) * MIN_MS:
            return []  # the mark is read from minutes the level held: not from a refill still in them
        # the keeper's own word for a leak (the profile), not the sump's learned falls: those learned before
        # any change was recognised hold the keeper's drains themselves
        run = running_column(frame.get("pump"), frame.get("flow_lpm"), self.profile.flow_stopped_lpm)
        move = level_moved(t_ms, level, now_ms, self.profile.level_fall_cm_per_h, run)  # (a feed mode's rest too)
        if move is None or move.start_ms <= max(self.drain_end_ms, self.water_moved_ms):
            return []  # nothing moved, or a move already seen (it stays in the mark's window for minutes)
        if move.kind == "drain":
            self.drain = DrainUnderWay(move.start_ms, move.mark_cm, move.threshold_cm, move.mark_cm,
                                       change_before_ms=self.water_moved_ms,
                                       filter_off=filter_switched_off(t_ms, frame.get("pump"), move.start_ms)
                                       or filter_unplugged(t_ms, run, move.start_ms),
                                       pump_ran=ran_before(t_ms, run, move.start_ms))
            return self._follow_drain(self.drain, now_ms, self._last(self._recent(t_ms, level, now_ms, 3)[1]),
                                      t_ms, frame)
        # a top-up replaces evaporated water: its chemistry is judged by the dilution it can explain
        # (analytics.top_ups; a TDS rise or a larger drop stays the drift's); its temperature is the tap's
        stepped = [n for n in self._stepped_with(t_ms, frame, move.start_ms) if n in KEPT_BY_A_WATER_CHANGE]
        if not stepped:
            return []  # water like the tank's: only a top-up
        rise = self._last(level[t_ms >= move.start_ms]) - move.mark_cm
        words = ", ".join(LABELS[n][0] for n in stepped)
        return self._record_water_change(now_ms, move.start_ms - 10 * MIN_MS,
                                         f"a top-up of {rise:.1f} cm stepped the {words}",
                                         f"a top-up of {rise:.1f} cm", tuple(stepped))

    def _stepped_with(self, t_ms: Array, frame: dict[str, Array], at_ms: int) -> list[str]:
        """The water's readings that stepped at ``at_ms`` beyond their own noise (new water of another kind)."""
        return [n for n in ("temp_c", "tds_ppm", "ph")
                if n in frame and stepped_at(t_ms, frame[n], at_ms) > NOISE_SIGMAS]

    def _follow_drain(self, drain: DrainUnderWay, now_ms: int, level_cm: float, t_ms: Array,
                      frame: dict[str, Array]) -> list[Transition]:
        """One minute of a drain under way: record it once it is more than a glitch and new water shows, hold
        it while it is like the keeper's past water changes (:meth:`_judge_by_habit`), end it when the level
        is back near its mark (learning it when new water came with the refill) or ``MOVE_MINUTES`` have
        passed without it (no water change: the rules judge)."""
        if np.isfinite(level_cm) and level_cm < drain.mark_cm - drain.threshold_cm:
            drain.low_readings += 1
            drain.deepest_cm = min(drain.deepest_cm, level_cm)
        fell(drain, level_cm, now_ms)
        dip = drain.mark_cm - drain.deepest_cm
        out: list[Transition] = []
        if not drain.recorded and not drain.told and drain.low_readings >= DRAIN_READINGS:
            # water out alone is a leak as much as a drain: it is the keeper's water change once the new water
            # shows (a reading stepped with it, or the TDS falling), or while it is like the keeper's own past
            # changes; till then the level rules judge the fall (a burst hose refilled within the hour is told)
            # (a fall soon after the last refill is none: the TDS still falling is that change's, not this one's)
            stepped = tuple(self._stepped_with(t_ms, frame, drain.start_ms))
            tds_step = self._tds_dropping(now_ms, t_ms, frame)
            soon = too_soon(self.keeper_drains, drain.start_ms, self._last_refill_ms())
            # (new water while the level still falls with the pump running, in a level a float valve holds, is
            # the holder answering a loss: no keeper's refill)
            answering = drain.pump_ran and self.level_dips.hold.held and not \
                level_cm > drain.deepest_cm + drain.threshold_cm / 2
            drain.recorded = (bool(stepped) or tds_step) and not soon and not answering
            if drain.recorded and not tds_step:  # (a TDS step is recorded by the TDS path)
                drain.recorded_ms = now_ms
                out += self._record_water_change(now_ms, drain.start_ms - 10 * MIN_MS,
                                                 f"the level fell {dip:.1f} cm fast (a drain)",
                                                 f"the level fell {dip:.1f} cm", stepped)
            if not drain.recorded:
                self._judge_by_habit(drain, now_ms)
        if drain.low_readings and back_at_mark(level_cm, drain.mark_cm, drain.deepest_cm, drain.threshold_cm):
            return out + self._refilled(drain, now_ms, dip, t_ms, frame)
        learned = drain.habitual and bool(self.keeper_drains)  # (held by the habit: its own time)
        if now_ms - drain.start_ms > MOVE_MINUTES * MIN_MS and not (learned or drain.timed_out):
            # not back: no water change of the keeper's (a leak, water taken out for good): the rules judge
            drain.timed_out, drain.habitual, drain.told = True, False, True
            # the water that went is still missing: a leak that stopped (or a siphon taken out) is told by
            # the level rules until the level is back (a keeper's refill); a fall that has stopped shows no rate
            if not self.level_lost_why:
                self.level_lost_below_cm = drain.mark_cm - drain.threshold_cm
            if drain.recorded:
                drain.recorded = False
                if self.water_moved_ms == drain.recorded_ms:  # (never undo a change recorded since)
                    self.water_moved_ms = drain.change_before_ms
                self.day_notes.append(f"the level fell {dip:.1f} cm fast and is not back after "
                                      f"{MOVE_MINUTES} minutes")
        if drain.timed_out and now_ms - drain.start_ms > FOLLOW_MINUTES * MIN_MS:
            self.drain, self.drain_end_ms = None, now_ms - MOVE_MINUTES * MIN_MS  # (no grace, no refill)
        return out

    def _last_refill_ms(self) -> int:
        """When the keeper last refilled after a drain (or began their last learned water change)."""
        return max([self.last_refill_ms, *(p.start_ms for p in self.keeper_drains[-1:])])

    def _judge_by_habit(self, drain: DrainUnderWay, now_ms: int) -> None:
        """Hold a drain no new water has shown with while it is like the keeper's past water changes
        (:func:`analytics.water_change.unlike_habit`); tell it at once (the water is missing) when it is not
        (deeper, faster, longer, at another hour, soon after the last change) or when one held is not
        refilled in the keeper's time."""
        if drain.told:
            return
        zone = keeper_zone_of(self.settings.time_zone, self.settings.utc_offset_minutes)
        why = unlike_habit(self.keeper_drains, drain, now_ms, self._last_refill_ms())
        if not why:
            # like the keeper's changes, or nothing learned but the keeper switched the filter off for it
            drain.habitual = bool(self.keeper_drains) or drain.filter_off
            return
        if not (drain.habitual or self.keeper_drains or why.startswith("it began soon")):
            return  # nothing learned yet: the level rules judge the fall by its rate
        drain.habitual, drain.told = False, True
        at = datetime.fromtimestamp(drain.start_ms / 1000, zone or timezone.utc).strftime("%H:%M")
        dip = drain.mark_cm - drain.deepest_cm
        self.level_lost_below_cm = drain.mark_cm - drain.threshold_cm
        self.level_lost_why = (f"The water level fell {dip:.1f} cm from {at} and {why}: if this is a water "
                               "change, ignore this; if not, look for a leak or a siphon left running. ")
        self.day_notes.append(f"the level fell {dip:.1f} cm from {at}: not like the keeper's water changes ({why})")

    def _refilled(self, drain: DrainUnderWay, now_ms: int, dip: float, t_ms: Array,
                  frame: dict[str, Array]) -> list[Transition]:
        """The level is back near its mark: a water change when new water came with the refill (learned as the
        keeper's habit, and what it stepped held out of the drift a drift window), else a glitch or a leak
        the keeper made good."""
        # the new water: a reading of the last minutes (the refill) stepped from before the drain began
        stepped = [n for n in ("temp_c", "tds_ppm", "ph") if n in frame and stepped_at(
            t_ms, frame[n], drain.start_ms, after_ms=now_ms - 5 * MIN_MS) > NOISE_SIGMAS]
        tds_changed = self.last_tds_change_ms >= drain.start_ms
        out: list[Transition] = []
        if drain.timed_out and not (stepped or tds_changed) or \
                not (drain.recorded or drain.habitual or stepped or tds_changed):
            # one wild reading (or water put back like the tank's own): nothing to hold after it
            self.drain, self.drain_end_ms = None, now_ms - MOVE_MINUTES * MIN_MS
            return out
        if (stepped or tds_changed) and drain.start_ms - self._last_change_before(drain) >= HABIT_GAP_HOURS_MS:
            self.keeper_drains = [*self.keeper_drains, past_drain(drain, now_ms)][-HABIT_CHANGES:]
        if not drain.recorded_ms and not tds_changed and stepped:
            # (recorded, with no recorded_ms: the refill's TDS fall was left to the TDS path, too small for it)
            # the cloudy new water stays out of the drift with what it stepped, until back near usual
            moved = (*stepped, *(n for n in ("turb_ntu",) if n in frame))
            out += self._record_water_change(now_ms, drain.start_ms - 10 * MIN_MS,
                                             f"the level fell {dip:.1f} cm and was refilled with new water",
                                             f"the level fell {dip:.1f} cm and was refilled", moved)
        held = [n for n in ("turb_ntu", *stepped) if n in self.settings.drift_sensors]
        for n in held:
            self.drift_held_until[n] = now_ms + self.settings.window_minutes * MIN_MS
        self.drain, self.drain_end_ms, self.last_refill_ms = None, now_ms, now_ms
        self.day_notes.append(f"water change: the level fell {dip:.1f} cm and was refilled to its mark")
        if self.last_tds_change_ms < drain.start_ms:  # (a TDS step re-learns the water: nothing to settle)
            # the new water went in with the refill: what it stepped stays out of the drift a while too
            self.settling = list(dict.fromkeys([*self.settling, *(n for n in stepped
                                                                  if n in self.settings.drift_sensors)]))
        return out

    def _last_change_before(self, drain: DrainUnderWay) -> int:
        """The start of the keeper's last learned water change before ``drain`` (long ago: none)."""
        return max([p.start_ms for p in self.keeper_drains if p.start_ms < drain.start_ms], default=-DAY_MS * 365)
