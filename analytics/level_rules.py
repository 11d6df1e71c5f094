"""The sump level's rules: a leak (fast, steady, slow, from a hinge, a seep), water coming in, a low sump, a
top-off run dry.  Methods of :class:`analytics.monitor.TankMonitor` (its state lives there), split from
``analytics/tank_rules.py``: each rule's own test is in the module its comment names.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS, WATER_CHANGE_SETTLE_MS, Transition
from analytics.level_dips import within_everyday_dip
from analytics.level_high import above_high, high_words
from analytics.level_hinge import hinge_rule
from analytics.level_pause import held_by_top_off, running_column
from analytics.level_probe import sensor_told_failing
from analytics.level_schedule import scheduled_fall
from analytics.level_seep import seep_rule
from analytics.level_slosh import shown_lately
from analytics.level_trend import (
    EVAPORATION_SPREAD,
    RISE_MINUTES,
    RISE_PARTS,
    RUNNING_READINGS,
    SLOW_LEAK_MINUTES,
    SLOW_LEAK_PARTS,
    part_slopes,
    since_running,
)
from analytics.monitor_host import HostBase
from analytics.routine_stop import routine_fall
from analytics.rules import theil_sen_per_hour
from analytics.top_off_watch import over_band, top_off_rule
from analytics.trends import TREND_MINUTES
from analytics.water_change import MOVE_MINUTES, deeper_than_habit

Array = NDArray[np.float64]


class LevelRulesMixin(HostBase):
    """The level's rules (``_level_rules``), stepped by :meth:`analytics.tank_rules.RulesMixin._rules`."""

    def _level_rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any],
                     recent_row: bool) -> list[Transition]:
        """Leak, water coming in, a low sump and a top-off run dry, from the level (the pump's with it)."""
        p, s = self.profile, self.settings
        out: list[Transition] = []
        # A level sensor told failing (knocked askew, fogged: analytics/level_probe.py) reads no water: the level's
        # rules wait while its alert stands (held, not resolved, as the heater's for a failing thermometer); the
        # pump's flow rules and the device's own interlocks still watch the sump.
        if "level_cm" not in frame or sensor_told_failing(self):
            return out
        level = self._last(frame["level_cm"][-1:]) if recent_row else float("nan")
        low = p.level_cm.low
        margin = 1.0 if self.firing("sump_low") else 0.0
        tl, lv = self._recent(t_ms, frame["level_cm"], now_ms, 30)
        fall = -theil_sen_per_hour(tl[::2] / 1000.0, lv[::2]) if np.isfinite(lv).sum() >= 18 else float("nan")
        # (a fall inside the readings' own scatter is the surface sloshing, no water gone: told only when its
        # confidence interval clears zero or the water stayed down, within the alert's wait,
        # analytics/level_slosh.py; once told, held as before)
        since: int | None = None  # (the window the movement must be shown in, read only when it counts)
        every = 2
        # (with the pump back on within the half hour, the fall since it runs again: its restart takes
        # the display's water back from the sump at once, analytics/level_trend.py)
        # (a pump at rest with its relay on -- a DC pump's feed mode -- is at rest: analytics/level_pause.py)
        run = running_column(frame.get("pump"), frame.get("flow_lpm"), p.flow_stopped_lpm)
        running = since_running(t_ms, run, now_ms, 30)
        if running > now_ms - 30 * MIN_MS:
            ok = (tl >= running) & np.isfinite(lv)
            fall = -theil_sen_per_hour(tl[ok] / 1000.0, lv[ok]) if ok.sum() >= RUNNING_READINGS else float("nan")
            since, every = running, 1
        score["level_fall_cm_per_h"] = fall
        limit = p.level_fall_cm_per_h * (0.5 if self.firing("level_falling") else 1.0)
        if fall > limit and not self.firing("level_falling") and not shown_lately(
                t_ms, frame["level_cm"], now_ms, 30, "level_falling", since, every):
            limit = math.inf
        # (a drain deeper than the keeper's deepest change is no change of theirs, whatever new water
        # showed with it: a siphon left running past the usual mark, analytics.water_change; one change
        # learned is no habit of depth to overrule the new water with)
        deeper = self.drain is not None and len(self.keeper_drains) >= 2 and \
            deeper_than_habit(self.keeper_drains, self.drain)
        changing = not deeper and (now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS or
                                   self._tds_dropping(now_ms, t_ms, frame) or self.water_moving(now_ms))
        # a steady fall over the last 15 minutes, steeper than the profile's leak rate and than the sump's
        # own healthy 15-minute slopes (calibrated), while the pump runs steadily (switching it moves water
        # between the tank and the sump)
        t15, lv15 = self._recent(t_ms, frame["level_cm"], now_ms, TREND_MINUTES)
        fall15 = -theil_sen_per_hour(t15 / 1000.0, lv15) if np.isfinite(lv15).sum() >= 0.8 * TREND_MINUTES \
            else float("nan")
        since15: int | None = None
        running15 = since_running(t_ms, run, now_ms, TREND_MINUTES)  # (as the half hour's: since it runs)
        if running15 > now_ms - TREND_MINUTES * MIN_MS:
            ok = (t15 >= running15) & np.isfinite(lv15)
            fall15 = -theil_sen_per_hour(t15[ok] / 1000.0, lv15[ok]) if ok.sum() >= RUNNING_READINGS \
                else float("nan")
            since15 = running15
        score["level_fall_15_cm_per_h"] = fall15
        pump = self._recent(t_ms, frame["pump"], now_ms, 30)[1] if "pump" in frame else np.ones(1)
        steady_pump = bool(np.all(pump[np.isfinite(pump)] == 1.0))
        leaking = fall15 > max(p.level_fall_cm_per_h, self.level_fall_tail) * \
            (0.5 if self.firing("level_falling") else 1.0) and steady_pump and \
            (self.firing("level_falling") or shown_lately(t_ms, frame["level_cm"], now_ms, TREND_MINUTES,
                                                          "level_falling", since15))
        fall = max(fall, fall15) if leaking else fall
        # (a fast fall at the hour the level fell so on each of the days before is the tank's own
        # schedule -- an automatic water change's head draining, the keeper's daily change -- not a leak:
        # analytics/level_schedule.py; the slower rules below still judge it)
        if (fall > limit or leaking) and not self.firing("level_falling") and scheduled_fall(
                t_ms, frame["level_cm"], now_ms, float(np.nanmax([fall, fall15])), int(s.reference_hours // 24)):
            leaking, fall = False, float("nan")
        # a slow leak: a steady fall through both halves of the hour, beyond the level's healthy steady falls
        # and beyond what a hotter day's evaporation makes (only once these are learned)
        slow_tail, rise_tail, evaporation = self.level_steady
        hold = 0.5 if self.firing("level_falling") else 1.0
        if slow_tail > 0:
            pump60 = self._recent(t_ms, frame["pump"], now_ms, SLOW_LEAK_MINUTES)[1] if "pump" in frame else pump
            least_fall = -max(part_slopes(t_ms, frame["level_cm"], SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS, now_ms))
            score["level_steady_fall_cm_per_h"] = least_fall
            if least_fall > max(slow_tail, EVAPORATION_SPREAD * evaporation) * hold and \
                    bool(np.all(pump60[np.isfinite(pump60)] == 1.0)):
                leaking, fall = True, max(fall, least_fall) if math.isfinite(fall) else least_fall
        # a leak's first minutes: the fall since a hinge, beyond the same fall's healthy tails, on a share of
        # this alert's false-alarm budget (analytics/level_hinge.py)
        hinge = hinge_rule(self, now_ms, t_ms, frame) if slow_tail > 0 else float("nan")
        if math.isfinite(hinge):
            leaking, fall = True, max(fall, hinge) if math.isfinite(fall) else hinge
        # a seep: the same over hours, beyond the level's healthy falls over hours (analytics/level_seep.py)
        seep = seep_rule(self, now_ms, t_ms, frame) if slow_tail > 0 else float("nan")
        if math.isfinite(seep):
            leaking, fall = True, max(fall, seep) if math.isfinite(fall) else seep
        # a fast fall held as the keeper's drain that was not refilled within the drain's time: the water is
        # still missing (a leak that stopped on its own shows no rate any more)
        lost_below = self.level_lost_below_cm
        # (and a level back inside the band a top-off holds has nothing missing: analytics/level_pause.py)
        lost = math.isfinite(lost_below) and math.isfinite(level) and level < lost_below and \
            not held_by_top_off(self.top_off.band, level)
        if math.isfinite(lost_below) and math.isfinite(level) and not lost:
            self.level_lost_below_cm, self.level_lost_why = float("nan"), ""  # back at its mark: refilled
        # (a fall unlike the keeper's own water changes says how: analytics.water_change.unlike_habit)
        words = (self.level_lost_why or f"Water level {level:.1f} cm: it fell fast and has not been refilled "
                 f"in {MOVE_MINUTES} minutes, so this was no water change: a leak or a siphon left running. "
                 if lost and (self.level_lost_why or not (fall > limit or leaking)) else
                 f"Sump level falling {fall:.1f} cm/h (now {self._last(lv):.1f} cm): a leak, a siphon or an "
                 "overflow. " + self._first_drain_hint())
        # (a held level no deeper than its everyday dip is none: analytics/level_dips.py)
        dip = not self.firing("level_falling") and within_everyday_dip(self, now_ms, t_ms, frame)
        # (a fall in a routine stop's window, no faster than the routine's and no lower than it went, is the
        # routine's own: the restart taking back the head drained into the sump, analytics/routine_stop.py)
        rate = float(np.nanmax([score["level_fall_cm_per_h"], fall15, -math.inf]))
        dip = routine_fall(self, now_ms, t_ms, frame["level_cm"], rate) and not self.firing("level_falling") or dip
        out += self._rule("level_falling", bool((fall > limit or leaking) and not (changing or dip) or lost), now_ms,
                          fall, words + "Look under the tank and the sump now, and switch off the return "
                          "pump if water is on the floor.")
        # water coming in: a steady rise through the last half hour's three parts (a top-off stuck open, a
        # hose left running), steeper than the profile's leak rate and the level's healthy steady rises
        least_rise = min(part_slopes(t_ms, frame["level_cm"], RISE_MINUTES, RISE_PARTS, now_ms))
        score["level_steady_rise_cm_per_h"] = least_rise
        rising = least_rise > max(p.level_fall_cm_per_h, rise_tail) * \
            (0.5 if self.firing("level_rising") else 1.0) and steady_pump and \
            (self.firing("level_rising") or shown_lately(t_ms, frame["level_cm"], now_ms, RISE_MINUTES,
                                                         "level_rising"))
        # above the keeper's own highest level: told whatever the keeper is doing (analytics/level_high.py)
        # or over the band its overflow or top-off holds, risen within hours (analytics/top_off_watch.py)
        over = above_high(t_ms, frame["level_cm"], now_ms, p.level_cm.high,
                          0.5 if self.firing("level_rising") else 0.0)
        poured = over_band(self, now_ms, t_ms, frame)
        out += self._rule("level_rising", bool(rising) and not changing or math.isfinite(over) or bool(poured),
                          now_ms, least_rise, high_words(over, p.level_cm.high or 0.0) if math.isfinite(over)
                          and not (bool(rising) and not changing) else poured if poured and not (
                              bool(rising) and not changing) else
                          f"Water level rising {least_rise:.1f} cm/h (now {self._last(lv):.1f} cm): water is "
                          "coming in -- an automatic top-off stuck open, or a hose or tap left running -- and "
                          "it will overflow onto the floor. Switch the top-off off or close the water now.")
        # while the keeper drains for a water change the level is low on purpose (until the refill)
        # (only a drain the new water has shown with: a sudden fall below the limit is told at once)
        drained = self.water_moving(now_ms) and (self.drain is None or self.drain.recorded) and not deeper
        out += self._rule("sump_low", bool(low is not None and level < low + margin and not drained), now_ms,
                          level,
                          f"Sump level low: {level:.1f} cm (at least {low:g} cm needed). The return pump will "
                          "run dry: top up with dechlorinated water and look for a leak.")
        out += top_off_rule(self, now_ms, t_ms, frame)  # a top-off whose reservoir ran dry
        return out
