"""pH rising fast: the mirror of ``ph_crash``, judged against the tank's own healthy rises.

A pH that climbs fast is a doser siphoning its soda ash, a buffer or lime
overdosed, a CO2 cylinder emptying on a planted tank, rock or cement leaching:
the fish meet alkaline water (and, above pH 8, the tank's ammonia turns toxic)
long before the pH leaves the keeper's range.  But many tanks rise every day by
design: a planted tank's pH climbs half a unit when its CO2 switches off, a
controller doses its buffer at the same minute every night.  Those rises are
the tank's usual course, so the rise told is the one *beyond* it: the 15-minute
slope of the pH's departure from its usual daily course (``away``), steeper
than the healthy water's own 15-minute rising trends get at the stated
false-alarm rate (:func:`analytics.trends.trend_tails` over the healthy
reference, re-learned at each refit: ``ph_trend_tail``) and than the profile's
``ph_rise_per_h``, with the water itself climbing that fast (a day the usual
evening rise comes early is not beyond it twice).  Nothing is told until the
tail is learned: a new tank's rhythm is not yet known.

Fresh water of another pH steps the pH while it goes in: a water change (a
harder tap water raises it) is held while its new water is in the rate's
window.  Once told, the alert stays until the pH is back: within 0.15 of where
it was before the rise began (or of the day before's median, if higher), or of
its usual course if that is higher (a doser is stopped, but the soda ash stays
in the water until a change takes it out).

Examples
--------
>>> rising_limit(0.3, 0.5, firing=False), rising_limit(0.3, 0.5, firing=True)
(0.5, 0.25)
>>> rising(1.2, 1.0, 0.5)      # climbing beyond its usual course, faster than the healthy tail
True
>>> rising(1.2, 0.1, 0.5)      # its usual evening rise (CO2 off): on course
False
>>> rising(1.2, 1.0, 0.0)      # nothing learned yet
False
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS
from analytics.medians import flat_nanmedian

if TYPE_CHECKING:
    from analytics.catalogue import Transition
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]

#: the steepest run a few days of reference made, times this, for the steepest of the days to come: the
#: maximum of a daily event over two or three days is exceeded on a third of the next days (measured: the zebrafish
#: rack's nightly dose, 0.40 per hour beyond usual at most over its first two days, 0.36-0.40 on later nights)
OWN_MARGIN = 1.5
#: the pH is back once within this of where it was before the rise (a drop kit's resolution and a half)
BACK_WITHIN = 0.15
#: the level before the rise: the median of this many minutes before the rate window
BEFORE_MINUTES = 45
#: a change this recent whose return restarts: its new water is still going in (the heater rules' hold after one)
MIX_AFTER_CHANGE_H = 3.0


def healthy_tails(t_ms: Array, residual: Array, false_alarms_per_30_days: float) -> tuple[float, float]:
    """How steep the healthy pH's 15-minute departures from usual get, falling and rising (per hour, ≥ 0).

    The peaks-over-threshold tail at the false-alarm rate
    (:func:`analytics.trends.trend_tails`) treats the steep windows as
    rare; but a controller's nightly dose, a CO2 switching off a few minutes
    later than its usual, come back every day and the usual course follows them
    only in part (its shape is a median of days, smoothed over five minutes).  A
    rise the healthy water makes once a day is far above any budget under one
    false alarm a day, so the tail is at least the steepest run the healthy
    reference made at all (each minute's run, not one in five, so a daily
    ten-minute dose is not missed between the runs sampled), with a margin
    (``OWN_MARGIN``): a few days' steepest is not the steepest of a month.

    >>> t = np.arange(3 * 1440) * 60_000.0
    >>> r = np.random.default_rng(1).normal(0.0, 0.01, len(t))
    >>> for d in range(3):   # a dose each night the usual course misses: +0.1 in ten minutes
    ...     r[d * 1440 + 150:d * 1440 + 160] += np.linspace(0.0, 0.1, 10)
    ...     r[d * 1440 + 160:d * 1440 + 200] += 0.1
    >>> bool(healthy_tails(t, r, 3.0)[1] > 0.3)
    True
    """
    from analytics.trends import trend_tails, window_slopes_per_hour

    slopes = window_slopes_per_hour(t_ms, residual, every=1)
    if len(slopes) < 10:
        return 0.0, 0.0
    fall, rise = trend_tails(slopes[::5], false_alarms_per_30_days)
    return max(fall, -OWN_MARGIN * float(np.min(slopes))), max(rise, OWN_MARGIN * float(np.max(slopes)))


def rising_limit(floor: float, tail: float, firing: bool) -> float:
    """The rise (pH per hour) beyond which the pH is rising fast: the larger of the profile's ``floor`` and the
    healthy water's own rising ``tail`` (0 when not learned: then no limit, see :func:`rising`); halved while
    the alert fires, so a rise that slows a little is still the same rise."""
    if tail <= 0.0:
        return 0.0
    return max(floor, tail) * (0.5 if firing else 1.0)


def rising(rate: float, away: float, limit: float) -> bool:
    """The pH climbing faster than ``limit`` per hour (``rate``) and beyond its usual course as fast
    (``away``); False with any NaN or no ``limit`` (nothing learned)."""
    if not (math.isfinite(rate) and math.isfinite(away)) or limit <= 0.0:
        return False
    return bool(rate > limit and away > limit)


def new_water_in_window(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array], minutes: int) -> bool:
    """A water change's new water is in the last ``minutes`` (the rate's window): the keeper's drain or refill
    under way, a change recognised (by the level or the TDS) within them, the flow restarting within two
    windows of a change made in the last :data:`MIX_AFTER_CHANGE_H` hours, or the TDS stepped down across them.

    Not the three hours the heater rules hold after a change (:meth:`analytics.days.DaysMixin._tds_dropping`):
    the new water steps the pH while it goes in and mixes, and once the window no longer holds that step a
    rise is the water's own (a controller dosing buffer after its nightly exchange is the usual course, and a
    doser siphoning then is the fault this alert is for)."""
    since = now_ms - max(mon.water_moved_ms, mon.last_water_change_ms)
    if mon.water_moving(now_ms) or since < minutes * MIN_MS:
        return True
    # a change made with the return off: its new water reaches the display's probe when the flow restarts, and
    # mixes through the system over about another window (the shop rack's Thursday change, return off 75 min)
    if since < MIX_AFTER_CHANGE_H * 3_600_000 and "flow_lpm" in frame:
        _, flow = mon._recent(t_ms, frame["flow_lpm"], now_ms, 2 * minutes)
        if bool(np.any(flow[np.isfinite(flow)] < mon.profile.flow_stopped_lpm)):
            return True
    if "tds_ppm" not in frame:
        return False
    _, tds = mon._recent(t_ms, frame["tds_ppm"], now_ms, minutes)
    tds = tds[np.isfinite(tds)]
    return len(tds) >= 6 and float(np.median(tds[-3:])) < 0.95 * float(np.median(tds[:3]))


def level_before(mon: MonitorHost, t_ms: Array, ph: Array, now_ms: int, rate_minutes: int) -> float:
    """The pH to be back at once the rise is over: the median of the ``BEFORE_MINUTES`` before the rate window,
    or the day's median if higher (a pH put back up by the keeper after it fell -- an RO flush dosed back by
    hand -- is back once at the day's pH, not at the low it rose from; measured on the zebrafish rack)."""
    _, hist = mon._recent(t_ms, ph, now_ms, rate_minutes + BEFORE_MINUTES)
    hist = hist[: max(1, len(hist) - rate_minutes)]
    if not np.isfinite(hist).any():
        return float("nan")
    _, day = mon._recent(t_ms, ph, now_ms, 24 * 60)  # (once, as the rise is first seen)
    return max(float(flat_nanmedian(hist)), float(flat_nanmedian(day)))


def stepped_back_only(mon: MonitorHost, name: str, now_ms: int) -> bool:
    """The probe's rates wait only for a step that brought the reading toward its usual course (no probe alert
    names it): the probe checks (:meth:`analytics.probes.ProbesMixin._probe_stepped`) hold the rates an hour
    after any lasting step, and a doser's first minutes (+0.03 a minute with the nightly dose) read as one --
    measured, the zebrafish rack's siphoning doser, toward the usual before the nightly exchange: ``ph_rising``
    waited the hour (+58).  A rise that carries the water beyond its usual course is still told
    (``beyond_usual`` of :func:`ph_rise_rule`)."""
    from analytics.probes import STEP_HOLD_MINUTES

    last = mon.probe_steps.get(name)
    if last is None or not last[3] or now_ms - last[0] > STEP_HOLD_MINUTES * MIN_MS:
        return False
    return not any(mon.firing(key) and name in mon._alert(key).sensors for key in ("probe_stuck", "probe_noisy"))


def ph_rise_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array], rate: float, away: float,
                 now_p: float, beyond_usual: bool = False) -> list[Transition]:
    """The ``ph_rising`` alert's transition this minute (``rate``, ``away``: the pH's 15-minute slope and its
    departure's from usual, per hour; ``now_p`` the latest pH).  ``beyond_usual``: a probe step stands for
    nothing but holds the rates (:func:`stepped_back_only`); the pH must also be above its usual course by a
    drop kit's resolution (a probe put right comes back to usual, not beyond it)."""
    firing = mon.firing("ph_rising")
    limit = rising_limit(mon.profile.ph_rise_per_h, mon.ph_trend_tail[1], firing)
    up = rising(rate, away, limit)
    if up and beyond_usual and not firing:
        usual = mon._usual_series("ph", np.array([now_ms]), frame, shape_only=True)
        up = usual is not None and now_p > float(usual[0]) + mon.profile.relevant_change.get("ph", 0.1)
    minutes = mon.settings.ph_rate_minutes
    if up and not firing and new_water_in_window(mon, now_ms, t_ms, frame, minutes):
        up = False  # a water change's new water of another pH going in (a shock is ph_out_of_range's)
    if up and not firing and not math.isfinite(mon.ph_before_rise):
        mon.ph_before_rise = level_before(mon, t_ms, frame["ph"], now_ms, minutes)
    if firing:  # the rate may stop while the level stays up: resolved only when the pH is back
        tw, ph10 = mon._recent(t_ms, frame["ph"], now_ms, 10)
        level = float(flat_nanmedian(ph10)) if np.isfinite(ph10).any() else now_p
        # (its usual course at this minute: a tank re-levelled after every nightly exchange waits for it often)
        usual = mon._usual_series("ph", tw[-1:], frame, shape_only=True) if len(tw) else None
        back_at = mon.ph_before_rise if usual is None else max(mon.ph_before_rise, float(usual[0]))
        up = up or bool(level > back_at + BACK_WITHIN)
    elif not up:
        mon.ph_before_rise = float("nan")
    told = away if math.isfinite(away) else rate
    return mon._rule("ph_rising", up, now_ms, told,
                     f"pH rising {told:+.2f} per hour beyond its usual daily course (now {now_p:.2f}): the water is "
                     "turning alkaline fast (a doser or buffer overdosing, the CO2 run out, rock or cement "
                     "leaching). Stop any doser and check the CO2, test KH and pH with a kit, and change part of "
                     "the water with water matched to the tank's usual pH.")
