"""The plain rules a keeper expects: heater, pH, pump, flow, sump level, leak; firmware events and silence.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState
from analytics.catalogue import DAY_MS, LABELS, MIN_MS, WATER_CHANGE_SETTLE_MS, Transition, _fmt
from analytics.flow_trend import flow_reduced_rule
from analytics.heater_rules import RecoveryMixin, slope_sd_per_h
from analytics.level_rules import LevelRulesMixin
from analytics.medians import flat_median, flat_nanmedian
from analytics.ph_rise import ph_rise_rule, stepped_back_only
from analytics.pump_watch import hands_at_tank, pump_left_off_rule, routine_pause
from analytics.routine_stop import routine_stop
from analytics.rules import FAILING_WOBBLE, WOBBLE_MINUTES, jumps_beyond, theil_sen_per_hour
from analytics.still_water import pump_rested
from analytics.thermostat import beyond_band, find_cycle, in_cycle, look_back_minutes, outside_spans
from analytics.trends import TREND_MINUTES
from analytics.unheated import beyond_own_course
from analytics.water_change import still_pouring

Array = NDArray[np.float64]



#: firmware event kind -> the alert it holds (firmware/pump.py, outlets.py)
DEVICE_EVENT_ALERTS = {"interlock": "pump_interlock", "lockout": "pump_lockout", "fault": "device_fault",
                       "heater_cutoff": "heater_cutoff", "heater_fallback": "heater_fallback",
                       "topoff_lockout": "topoff_lockout"}
#: firmware event kind that ends alerts held by earlier events
DEVICE_EVENT_CLEARS = {"interlock_clear": ("pump_interlock",), "lockout_clear": ("pump_lockout",),
                       "heater_resume": ("heater_cutoff", "heater_fallback"), "topoff_clear": ("topoff_lockout",)}
HELD_UNTIL_CLEARED = {"pump_interlock", "pump_lockout", "heater_cutoff", "heater_fallback", "topoff_lockout"}
DEVICE_EVENT_TEXT = {
    "pump_interlock": "The controller stopped the pump to protect it: {d}. It restarts by itself when the cause "
                      "is gone; check the sump level and the flow sensor.",
    "pump_lockout": "The controller locked the pump out after repeated faults: {d}. It will not restart by "
                    "itself: fix the cause, then clear the lockout (web app, Home Assistant or aquamon command).",
    "device_fault": "The controller reported a fault: {d}. Check the device and its log.",
    "heater_cutoff": "The controller switched the heater off: {d}. The heater's own thermostat is probably stuck "
                     "on; the controller keeps it off until the water is back below the cut-off. Replace or check "
                     "the heater.",
    "heater_fallback": "The controller switched the heater off because {d}. A probe named: check it is in the "
                       "water and its cable is sound; the heater named: check it is in the water and heats. The "
                       "controller switches it back on by itself once it trusts the temperature again.",
    "topoff_lockout": "The automatic top-off stopped: {d}. Refill the reservoir or check the top-off pump and its "
                      "hose, then clear it (web app or aquamon command).",
}


#: a filter passing less than this fraction of its own usual flow is clogged (the profile's limit aside)
FLOW_CLOGGED_FRACTION = 0.5

def _device_words(detail: str) -> str:
    """The firmware's short wording made readable: "heater switched off at 27.1 C" -> "... 27.1 °C".

    >>> _device_words("heater switched off at 27.1 C (cut-off 27.0 C)")
    'heater switched off at 27.1 °C (cut-off 27.0 °C)'
    """
    return re.sub(r"(\d) C\b", "\\1 °C", detail)

class RulesMixin(LevelRulesMixin, RecoveryMixin):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    def _probe_untrusted(self, name: str, t_ms: Array, raw: dict[str, Array], now_ms: int) -> bool:
        """The probe of ``name`` is stuck or failing: its alert names it, or it already wobbles as a failing one.

        The second test is the probe check's own (analytics/probes.py) on the raw readings (the median of
        three the rules read hides the jumps), run every minute: a failing probe's jumps shape a rate
        before the probe alert has its 20 minutes.
        """
        stepped = self._probe_stepped(name, t_ms, raw, now_ms)  # a step no water makes (analytics/probe_steps.py)
        if stepped or any(self.firing(key) and name in self._alert(key).sensors
                          for key in ("probe_stuck", "probe_noisy")):
            return True
        usual = self.noise.get(name, 0.0)
        if usual <= 0:
            return False
        return jumps_beyond(self._recent(t_ms, raw[name], now_ms, WOBBLE_MINUTES)[1], FAILING_WOBBLE * usual)

    def _rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any],
               raw: dict[str, Array] | None = None) -> list[Transition]:
        """The plain rules on ``frame`` (glitches removed); ``raw`` (default ``frame``) is as read, for probe checks."""
        raw = frame if raw is None else raw
        recent_row = bool(len(t_ms) and t_ms[-1] >= now_ms - 2 * MIN_MS)  # judge only fresh readings
        return (self._temperature_rules(now_ms, t_ms, frame, score, raw, recent_row)
                + self._ph_rules(now_ms, t_ms, frame, score, raw, recent_row)
                + self._flow_rules(now_ms, t_ms, frame, recent_row)
                + self._level_rules(now_ms, t_ms, frame, score, recent_row))

    def _temperature_rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any],
                           raw: dict[str, Array], recent_row: bool) -> list[Transition]:
        """The heater's rules (stuck on, dead, not recovering) and the unsafe-temperature range."""
        p, s = self.profile, self.settings
        out: list[Transition] = []
        # A failing thermometer's jumps are no heater's doing: its rate rules wait while the probe alert stands
        # (held, not resolved: an all-clear for the heater would be a guess). The unsafe-temperature range
        # still watches it, and the device's own heater guard does not depend on the analytics.
        if "temp_c" in frame and not self._probe_untrusted("temp_c", t_ms, raw, now_ms):
            rate, now_t = self._rate(t_ms, frame["temp_c"], now_ms, s.temp_rate_minutes)
            score["temp_rate_c_per_h"] = rate
            # hysteresis: once firing, an alert holds until the rate is below half its threshold
            up = p.temp_rise_c_per_h * (0.5 if self.firing("heater_stuck") else 1.0)
            down = p.temp_fall_c_per_h * (0.5 if self.firing("heater_dead") else 1.0)
            # a water change (cooler new water, then the heater catching up) is not the heater
            changing = self._tds_dropping(now_ms, t_ms, frame) or \
                now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS
            trend, z, z_set, own = self._temp_trend(now_ms, t_ms, frame)
            score["temp_trend_c_per_h"] = trend
            # a thermostat's sawtooth (analytics/thermostat.py): a climb or a fall inside its learned band, no
            # longer than its longest healthy leg, is the heater working or resting, not stuck or dead; past
            # the band's top (bottom), where the thermostat switches it off (on), a climb (fall) is
            if self.thermostat_at_ms != self.fitted_at_ms:  # learned again with each fit of the baseline
                # (the drift's exclusions mark unusual water, not another thermostat: when they leave too little
                # to learn from, as a drift that stood for days after a fault does, the whole history is read)
                cycle = find_cycle(t_ms, frame["temp_c"], outside_spans(t_ms, self.excluded)) or \
                    find_cycle(t_ms, frame["temp_c"])
                self.thermostat, self.thermostat_at_ms = tuple(cycle) if cycle else (), self.fitted_at_ms
            leg = self._recent(t_ms, frame["temp_c"], now_ms, look_back_minutes(self.thermostat))
            side = beyond_band(self.thermostat, leg[1])
            # any sawtooth (its band regular or moving with the room) is judged against where its thermostat
            # let the water go at this hour on the days before: a dead heater takes it below that and on, a
            # stuck one above; inside, a fall or a climb is the thermostat's (analytics/thermostat.py)
            env_side, env, widen = self._envelope(now_ms, t_ms, frame)
            slow, drop = self._cooling(now_ms, t_ms, frame)
            score["temp_rate_60_c_per_h"] = slow
            # "and on": the last hour's slope (30 readings, every other minute) beyond three of its noise
            steady = 3.0 * slope_sd_per_h(self.noise.get("temp_c", 0.0) / math.sqrt(2.0), 30)
            up_trend = max(p.heater_off_c_per_h, self.temp_trend_tail[1]) * \
                (0.5 if self.firing("heater_stuck") else 1.0)
            # the trend is the water's departure from its usual course; a heater warms (or stops warming)
            # the water itself, so at least half of that departure must be the water moving: a usual course
            # that turns while the water stays put (an evening's water-change dip learned from other days)
            # is no heater
            rising = trend > up_trend and z_set >= 3.0 and own > 0.5 * up_trend or \
                side > 0 and trend > p.heater_off_c_per_h * (0.5 if self.firing("heater_stuck") else 1.0)
            # (or beyond the tail for this quarter and the one before, the water already above usual: the
            # same calibrated evidence twice, in place of the level, analytics/heater_trend.py)
            rising = rising or self._trend_persists(now_ms, t_ms, frame, self._temp_trend, TREND_MINUTES,
                                                    (trend, z_set, own), up_trend)
            rise = max(rate, trend) if rising else rate
            stuck = bool(rate > up or rising) and not in_cycle(self.thermostat, *leg, falling=False)
            # (water below where its heater held it at this hour, climbing back, is the heater working; a
            # fall from above it is the heater resting: heater_rules.returning_side)
            if stuck and p.heated and not self.firing("heater_stuck"):
                stuck = self._toward_held(now_ms, t_ms, frame) >= 0
            if env is not None:  # (once told, held while the water stays above the envelope)
                # (a stuck heater climbs as on its healthy on-legs, at least half as fast, or for longer than any
                # of them: a warm afternoon lifting a band that moves with the room does neither)
                stuck, rise = env_side > 0 and (self.firing("heater_stuck") or slow > steady and (
                    slow >= 0.5 * env.rise_c_per_h or env.climbing_min > env.longest_rise_min)), slow
            # (past the band its thermostat kept at this hour the climb may be slow: the band is what is told)
            band = f", above the {env.high:.1f} °C its thermostat lets it reach at this hour" if env is not None else ""
            why_up = f"Temperature rising {rise:+.1f} °C/h (now {now_t:.1f} °C{band}): " + (
                "the heater may be stuck on. Unplug it and check its thermostat before the water overheats."
                if p.heated else f"the water is warming{'' if band else ' fast'} (sun on the tank, or a hot room). "
                "Shade the tank and aerate it: warm water holds little oxygen.")
            hot = self._hot_change(now_ms, t_ms, frame)  # a change's new water far too warm (heater_rules)
            if hot is not None:
                stuck, (rise, why_up) = True, (hot[0], hot[1] + "Add no more of it; let the water cool back "
                                               "slowly (no ice), and watch the fish.")
            out += self._rule("heater_stuck", stuck and (not changing or hot is not None), now_ms, rise, why_up)
            off = p.heater_off_c_per_h * (0.5 if self.firing("heater_dead") else 1.0)
            # a steady fall away from usual, steeper than a stopped heater's (the profile) and than the healthy
            # water's own 15-minute trends (calibrated): caught long before the water is 0.4 °C down
            hold = 0.5 if self.firing("heater_dead") else 1.0
            down_trend = max(p.heater_off_c_per_h, self.temp_trend_tail[0]) * hold
            # (the water itself steeper than the tank's own healthy falls, over the hour and the quarter: a warm
            # flat's evening, a fan on a warm afternoon, take a heater resting above its set point down as fast
            # as a dead one's, analytics/heater_hour.py)
            # (learned only when asked: the tests before it rarely pass)
            falling = trend < -down_trend and z <= -3.0 and own < -0.5 * down_trend and \
                own < -hold * self._own_fall_limits(now_ms, t_ms, frame)[1] or \
                side < 0 and trend < -p.heater_off_c_per_h * (0.5 if self.firing("heater_dead") else 1.0)
            # the hour's fall to below usual must also be beyond three of the healthy water's spread at this
            # hour (as a trend's departure is): where the water's days differ by half a degree (a room on a
            # timer, a fan in a heatwave) a 0.4 °C sag on a cooling evening is its own course, no dead heater
            below = drop > p.heater_off_drop_c and (self.firing("heater_dead") or not z > -3.0)
            below = below or self._below_held_at_hour(now_ms, t_ms, frame)  # (the tank's own days: heater_rules)
            slow_fall = slow < -off and below and slow < -hold * self._own_fall_limits(now_ms, t_ms, frame)[0]
            # (an unheated tank's fast fall at the minute its routine cools it every day, a tap timer's trickle
            # change at 07:00, is its course: judged against it, analytics/unheated.py; asked only when fast)
            fast = rate < -down and (p.heated or beyond_own_course(rate, self._rate_from_usual(
                "temp_c", t_ms, frame, now_ms, s.temp_rate_minutes), down))
            dead = (fast or slow_fall or falling) and not changing
            if dead and p.heated and not self.firing("heater_dead"):
                dead = self._toward_held(now_ms, t_ms, frame) <= 0
            dead = dead and not in_cycle(self.thermostat, *leg, falling=True)
            fall = rate if fast else (slow if slow_fall else trend)
            head = f"Temperature falling {fall:+.1f} °C/h (now {now_t:.1f} °C): "
            if env is not None:  # (once told, held while the water stays below the envelope)
                # (a dead heater's water falls toward the room as on the healthy off-legs: at least half as
                # fast; a heater on but short of power on the coldest night lets it sink far slower)
                dead, fall = env_side < 0 and not changing and (self.firing("heater_dead") or
                                                                slow < -max(steady, 0.5 * env.fall_c_per_h)), slow
                head = f"Temperature falling {fall:+.1f} °C/h (now {now_t:.1f} °C, below the {env.low:.1f} °C " \
                       "its thermostat lets it fall to at this hour): "
            # while a water change settles the rates above wait (the new water is cool, the heater catching
            # up); a heater that is not catching up is still told: the water falling further below where the
            # heater held it before the change, or warming it back far slower than it did after the
            # tank's recent changes (Newton: the gap shrinks at gap / tau, tau learned from those recoveries)
            if p.heated and changing and not dead:
                floor = env.low - widen if env is not None else float("nan")
                why = self._not_recovering(now_ms, t_ms, frame, score, off, floor)
                if why is not None:
                    dead, (fall, head) = True, why
            elif p.heated and not dead:  # (settled, but not back where its days were: heater_rules)
                why = self._not_rewarming(now_ms, t_ms, frame)
                if why is not None:
                    dead, (fall, head) = True, why
            self._learn_recovery(now_ms, t_ms, frame)
            # (still water while the keeper has the pump off is no heater's doing: analytics/still_water.py)
            dead = dead and (self.firing("heater_dead") or not pump_rested(
                t_ms, frame.get("pump"), frame.get("flow_lpm"), now_ms, p.flow_stopped_lpm))
            out += self._rule("heater_dead", bool(dead), now_ms, fall, head + (
                                  "the heater may have failed. Check that it is powered and its light comes on."
                                  if p.heated else f"the water is cooling{'' if env is not None else ' fast'} (a "
                                  "cold room, a draught or an open window). Keep the room from getting colder."))
        if "temp_c" in frame:
            now_t = self._last(self._recent(t_ms, frame["temp_c"], now_ms, s.temp_rate_minutes)[1])
            out += self._range("temp_out_of_range", "temp_c", now_t if recent_row else float("nan"), now_ms,
                               "Check the heater and the room temperature." if p.heated else
                               "Check the room temperature: shade the tank from the sun, or keep it from frost.", 0.3)
        return out

    def _ph_rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any],
                  raw: dict[str, Array], recent_row: bool) -> list[Transition]:
        """A pH crash or a fast rise beyond the usual daily course, and the unsafe-pH range."""
        p, s = self.profile, self.settings
        out: list[Transition] = []
        untrusted = "ph" in frame and self._probe_untrusted("ph", t_ms, raw, now_ms)
        if untrusted and stepped_back_only(self, "ph", now_ms):  # (a fast rise's first minutes: analytics/ph_rise.py)
            rate, now_p = self._rate(t_ms, frame["ph"], now_ms, s.ph_rate_minutes)
            away = self._rate_from_usual("ph", t_ms, frame, now_ms, s.ph_rate_minutes)
            out += ph_rise_rule(self, now_ms, t_ms, frame, rate, away, now_p, beyond_usual=True)
        if "ph" in frame and not untrusted:
            rate, now_p = self._rate(t_ms, frame["ph"], now_ms, s.ph_rate_minutes)
            score["ph_rate_per_h"] = rate
            fall = p.ph_fall_per_h * (0.5 if self.firing("ph_crash") else 1.0)
            # judged against the tank's own daily rhythm: a planted tank's CO2 lowers the pH by half a unit
            # every morning by design, and that is no crash (the water falling beyond its usual course is)
            away = self._rate_from_usual("ph", t_ms, frame, now_ms, s.ph_rate_minutes)
            score["ph_rate_from_usual_per_h"] = away
            # and the water must itself be falling that fast: a day the usual morning rise does not come
            # leaves the pH flat, below its course but not crashing
            crashing = bool(rate < -fall and not (math.isfinite(away) and away >= -fall))
            # fresh water of another pH steps the pH while it goes in: that is the water change (as cooler new
            # water is no dead heater); a shock out of the safe range is still told by ph_out_of_range
            if crashing and not self.firing("ph_crash") and self._tds_dropping(now_ms, t_ms, frame):
                crashing = False
            if crashing and not self.firing("ph_crash") and not math.isfinite(self.ph_before_crash):
                # the level before the fall began: the median of the 45 minutes before the rate window
                _, ph_hist = self._recent(t_ms, frame["ph"], now_ms, 90)
                ph_hist = ph_hist[: max(1, len(ph_hist) - 45)]
                self.ph_before_crash = float(flat_nanmedian(ph_hist)) if np.isfinite(ph_hist).any() else float("nan")
            if self.firing("ph_crash"):
                # the rate may stop while the level stays down: resolved only when the pH is back -- where it
                # was before the fall, or at its usual level if it was above that (a buffer overdose taken
                # out by a water change falls fast, and is back once at the tank's usual pH)
                tw, ph10 = self._recent(t_ms, frame["ph"], now_ms, 10)
                level = float(flat_nanmedian(ph10)) if np.isfinite(ph10).any() else now_p
                usual = self._usual_series("ph", tw[-1:], frame) if len(tw) else None
                back_at = self.ph_before_crash if usual is None else min(self.ph_before_crash, float(usual[0]))
                crashing = crashing or bool(level < back_at - 0.15)
            elif not crashing:
                self.ph_before_crash = float("nan")
            # where the usual course itself moves (CO2, lights), the fall told is the one beyond it
            rhythm = math.isfinite(away) and abs(rate - away) >= 0.1
            told = away if rhythm else rate
            out += self._rule("ph_crash", crashing, now_ms, told,
                              f"pH falling {told:+.2f} per hour{' beyond its usual daily course' if rhythm else ''} "
                              f"(now {now_p:.2f}): the water is acidifying fast "
                              "(CO2 overdose, or the buffer is used up). Stop CO2, aerate, and test KH; "
                              "a partial water change restores the buffer.")
            out += ph_rise_rule(self, now_ms, t_ms, frame, rate, away, now_p)  # the mirror (analytics/ph_rise.py)
            out += self._range("ph_out_of_range", "ph", now_p if recent_row else float("nan"), now_ms,
                               "Test with a drop kit to confirm, then correct slowly.", 0.05)
        return out

    def _flow_rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                    recent_row: bool) -> list[Transition]:
        """A stopped pump, a clogged filter (low or slowly reduced flow), a pump left off."""
        p = self.profile
        out: list[Transition] = []
        pump_on = self._last(frame["pump"]) if "pump" in frame else 1.0
        if "flow_lpm" in frame:
            flow = self._last(frame["flow_lpm"][-1:]) if recent_row else float("nan")
            # the firmware switches a pump off when it sees no flow (a fault event): still a stopped pump;
            # one held off by the sump interlock or the keeper is not
            fault = now_ms <= self.event_until_ms.get("device_fault", -1)
            # (and a pump restarting after its interlock cleared has two minutes to get the water moving)
            held = now_ms <= self.event_until_ms.get("pump_interlock", -1) + 2 * MIN_MS
            # (and a filter the keeper switched off for a water change has until a few minutes after the refill)
            held = held or self.water_moving(now_ms) or "level_cm" in frame and \
                still_pouring(t_ms, frame["level_cm"], now_ms, self.drain_end_ms)  # (its last jugs still going in)
            # (and a stop at the hour the pump paused by itself on earlier days, no longer than those pauses, is
            # the keeper's feed mode: analytics/pump_watch.py)
            held = routine_pause(self, now_ms, t_ms, frame, p.flow_stopped_lpm) and not fault or held
            # (and a stop repeating the keeper's weekly routine -- same weekday and hour, the level inside the
            # span it moved in then -- for as long as that routine lasts: analytics/routine_stop.py)
            routine = routine_stop(self, now_ms, t_ms, frame)
            held = held or routine and not fault and not self.firing("pump_stopped")
            stopped = bool(flow < p.flow_stopped_lpm and (pump_on == 1.0 or fault) and not held)
            # (and a stop begun in a cloud -- a filter lifted out to rinse -- is the keeper's hands, for as long
            # as their maintenance keeps a pump off: analytics/pump_watch.py)
            stopped = stopped and (fault or self.firing("pump_stopped")
                                   or not hands_at_tank(self, now_ms, t_ms, frame, p.flow_stopped_lpm))
            out += self._rule("pump_stopped", stopped, now_ms, flow,
                              f"Pump stopped: filter flow {flow:.1f} l/min although the pump is switched on. " + (
                                  "The filter has not restarted since the water change: plug it back in and prime "
                                  "it (fill it with tank water), and check the water is above its intake."
                                  if self.refilled_lately(now_ms) else
                                  "Water is not circulating or being filtered or heated evenly; check the pump's "
                                  "power and impeller."))
            # the profile's least flow, or a fraction of the filter's own usual flow (a clog halves a big
            # pump's 22 l/min long before it is under a nano's limit)
            low = max(p.flow_lpm.low or 0.0, FLOW_CLOGGED_FRACTION * self.usual_flow) or None
            blocked = bool(low is not None and p.flow_stopped_lpm <= flow < low * (1.1 if self.firing("flow_low")
                                                                                   else 1.0))
            usually = f"; usually {self.usual_flow:.1f}" if self.usual_flow else ""
            out += self._rule("flow_low", blocked, now_ms, flow,
                              f"Filter flow low: {flow:.1f} l/min (at least {low or 0:.3g} expected{usually}). The "
                              "filter is probably clogged: rinse the sponge in tank water.")
            out += flow_reduced_rule(self, now_ms, t_ms, frame)  # a slow clog, told long before half
        if "pump" in frame:
            out += pump_left_off_rule(self, now_ms, t_ms, frame)  # a pump forgotten after a water change
        return out

    def _temp_trend(self, now_ms: int, t_ms: Array, frame: dict[str, Array]
                    ) -> tuple[float, float, float, float]:
        """The temperature's trend away from usual (°C/h over ``TREND_MINUTES``), how far it is now (σ),
        how far above where the heater held it before a water change (σ), and the water's own slope over
        the same minutes (°C/h).

        σ is the healthy water's spread about usual at this hour: the probe's
        scatter and the hour's own day-to-day variance (as the drift judges it).

        Usual is the day/night baseline (its daily swing is not a trend); NaN
        while there is none (warm-up, or re-levelling after a water change).
        After a water change the baseline is re-levelled on the new water, still
        cool while the heater catches up: the heater brings it back to where it
        held the water before (its set point), so only warming beyond that
        level, the baseline before it moved down, is the heater stuck on.
        """
        tw, temp = self._recent(t_ms, frame["temp_c"], now_ms, TREND_MINUTES)
        usual = self._usual_series("temp_c", tw, frame)
        if usual is None or np.isfinite(temp).sum() < 0.8 * TREND_MINUTES:
            return float("nan"), float("nan"), float("nan"), float("nan")
        r = temp - usual
        slope = theil_sen_per_hour(tw / 1000.0, r)
        own = theil_sen_per_hour(tw / 1000.0, temp)
        present = [n for n in self.settings.drift_sensors if n in frame]
        # how far the water lands from "usual at this hour" on a healthy day: the probe's scatter, and how
        # much this hour's course itself varies from day to day (an evening whose water change comes at
        # another time each day has no tight "usual" at that hour)
        day_var = self.day_to_day_var
        hour_var = 0.0 if day_var is None or day_var.shape[1] != len(present) else \
            float(day_var[int((now_ms % DAY_MS) // (DAY_MS // len(day_var))), present.index("temp_c")])
        sd = math.hypot(self._residual_sd("temp_c", frame), math.sqrt(max(hour_var, 0.0)))
        now = float(flat_nanmedian(r[-5:]))
        moved = 0.0 if self.relevelled_by is None or len(self.relevelled_by) != len(present) else \
            float(self.relevelled_by[present.index("temp_c")])
        return slope, now / sd, (now + min(moved, 0.0)) / sd, own

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
            usual = float(flat_nanmedian(hist))
        return slope, usual - float(flat_median(temp[np.isfinite(temp)][-10:]))  # (36 or more are finite)

    def _rate_from_usual(self, name: str, t_ms: Array, frame: dict[str, Array], now_ms: int, minutes: int) -> float:
        """The slope per hour of the reading's departure from its usual daily course (the day/night
        baseline with its daily shape) over the last ``minutes``; NaN without a baseline or readings."""
        tw, xw = self._recent(t_ms, frame[name], now_ms, minutes)
        usual = self._usual_series(name, tw, frame, shape_only=True)
        if usual is None or np.isfinite(xw).sum() < 0.6 * minutes:
            return float("nan")
        return theil_sen_per_hour(tw / 1000.0, xw - usual)

    def _rate(self, t_ms: Array, x: Array, now_ms: int, minutes: int) -> tuple[float, float]:
        """(slope per hour over the last ``minutes``, the latest reading); the slope is NaN while fewer
        than 60 % of those minutes have a reading."""
        tw, xw = self._recent(t_ms, x, now_ms, minutes)
        enough = np.isfinite(xw).sum() >= 0.6 * minutes
        return (theil_sen_per_hour(tw / 1000.0, xw) if enough else float("nan")), self._last(xw)

    def _range(self, key: str, sensor: str, value: float, now_ms: int, advice: str, margin: float) -> list[Transition]:
        lim = self.profile.limit(sensor)
        m = margin if self.firing(key) else 0.0
        lo = lim.low is not None and value < lim.low + m
        hi = lim.high is not None and value > lim.high - m
        label = LABELS[sensor][0]
        # a sentence starts with a capital, but "pH" is spelled so ("Ph" is no word a keeper reads)
        head = label if any(c.isupper() for c in label) else label[:1].upper() + label[1:]
        text = (f"{head} {_fmt(sensor, value)} is {'below' if lo else 'above'} the safe range "
                f"{lim.low:g}–{lim.high:g}. {advice}") if (lo or hi) else ""
        return self._rule(key, bool(lo or hi), now_ms, value, text)

    def _events(self, now_ms: int, events: Iterable[tuple[int, str, str]]) -> list[Transition]:
        keys = DEVICE_EVENT_ALERTS
        key: str | None
        for t, kind, detail in events:
            if kind in DEVICE_EVENT_CLEARS:
                for key in DEVICE_EVENT_CLEARS[kind]:
                    if self.event_until_ms.get(key, -1) > t:  # a clear ends only what an event holds
                        self.event_until_ms[key] = t
                continue
            key = keys.get(kind)
            if key is None:
                if kind == "mode":
                    self.day_notes.append(f"the device changed mode ({detail})")
                continue
            # a fault holds its alert for two minutes (its for_minutes is 1), then the clear period; the
            # others hold until the firmware says they are cleared
            until = 2**62 if key in HELD_UNTIL_CLEARED else max(self.event_until_ms.get(key, 0), t + 2 * MIN_MS)
            self.event_until_ms[key] = until
            self.event_detail[key] = detail
        out: list[Transition] = []
        for key in keys.values():
            active = now_ms <= self.event_until_ms.get(key, -1)
            if active or self.alerts.get(key, AlertState()).state != "ok":
                out += self._rule(key, active, now_ms, 1.0,
                                  DEVICE_EVENT_TEXT[key].format(d=_device_words(self.event_detail.get(key, ""))))
        return out

    def device_status(self, device: str, online: bool, now_ms: int) -> list[Transition]:
        """A device's retained status (its last will says ``online: false``)."""
        self.device_online[device] = online
        down = sorted(d for d, up in self.device_online.items() if not up)
        return self._rule("device_offline", bool(down), now_ms, float(len(down)),
                          f"Device {', '.join(down)} is offline: its connection dropped (power, Wi-Fi or a crash). "
                          "The tank is not being watched; check the controller's power and network.")

    def check_stale(self, now_ms: int, last_reading_ms: int) -> list[Transition]:
        """No telemetry for ``no_data_minutes`` (a device that froze without its last will)."""
        gap = (now_ms - last_reading_ms) / MIN_MS
        return self._rule("no_telemetry", gap >= self.settings.no_data_minutes, now_ms, gap,
                          f"No readings from the tank for {gap:.0f} minutes. Check the controller: it may be "
                          "frozen or its sensors unplugged.")
