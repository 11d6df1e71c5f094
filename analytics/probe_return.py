"""A probe back from silence at a new level: recalibrated or replaced, told once, its baseline rebased.

The drift's part (:class:`analytics.drift.DriftMixin`) for the keeper who
takes a probe out (to recalibrate it in buffer, to swap it) and puts it back.
The probe sends nothing for some minutes while the others read, then reads at
a new level: a pH probe that had drifted 0.4 low over days comes back reading
the true pH.  The baseline learnt the drifted readings, so against it the true
pH departs, for good: the drift was told, resolved, and told again five times
a day.  A silence and a step together are no water (water does not change by a
test kit's resolution in the minutes a probe is out): the keeper is told once,
in their words, and the tank's water is learnt again from the probe's return
(:meth:`analytics.monitor.TankMonitor.accept_change`: the day/night course is
kept and re-levelled on the readings since).

The finding itself is :func:`probe_return`, a pure function of one reading's
series and whether another probe read meanwhile.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import LABELS, MIN_MS, Transition, _fmt
from analytics.monitor_host import HostBase
from analytics.probes import SILENT_MINUTES

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: readings after the return (and before the silence) that set each level: ten minutes, like the drift's words
LEVEL_READINGS = 10


def probe_return(t_ms: Array, x: Array, others: BoolArray, since_ms: int, silence_minutes: int = SILENT_MINUTES
                 ) -> tuple[int, float, float] | None:
    """The latest return of a probe after ``silence_minutes`` or more without a reading while others read.

    Parameters
    ----------
    t_ms
        Row times (ms), ascending.
    x
        The probe's readings on those rows (NaN: none).
    others
        Rows where another probe read (the controller was reporting).
    since_ms
        Only a return at or after this time counts.
    silence_minutes
        The shortest silence: what the product calls a silent probe.

    Returns
    -------
    (int, float, float) or None
        The return's time and the mean of up to :data:`LEVEL_READINGS`
        readings before the silence and after the return; None when there is
        no such return, or fewer than :data:`LEVEL_READINGS` readings after it
        (or before the silence) to judge by.

    Examples
    --------
    >>> t = np.arange(60, dtype=float) * 60_000
    >>> x = np.r_[np.full(30, 7.7), np.full(15, np.nan), np.full(15, 8.1)]
    >>> back, before, after = probe_return(t, x, np.ones(60, dtype=bool), 0)
    >>> back // 60_000, round(before, 2), round(after, 2)  # back at minute 45, from 7.7 to 8.1
    (45, 7.7, 8.1)
    >>> probe_return(t, x, np.r_[np.ones(30), np.zeros(15), np.ones(15)].astype(bool), 0) is None  # all silent
    True
    """
    ok = np.isfinite(x)
    idx = np.flatnonzero(ok)
    if len(idx) < 2 * LEVEL_READINGS:
        return None
    gaps = np.diff(t_ms[idx])
    for k in np.flatnonzero(gaps >= (silence_minutes + 1) * MIN_MS)[::-1]:
        back, last = idx[k + 1], idx[k]
        if t_ms[back] < since_ms:
            return None
        after, before = idx[k + 1:k + 1 + LEVEL_READINGS], idx[max(0, k + 1 - LEVEL_READINGS):k + 1]
        silent = np.zeros(len(t_ms), dtype=bool)
        silent[last + 1:back] = True
        if len(after) < LEVEL_READINGS or len(before) < LEVEL_READINGS or \
                others[silent].sum() < silence_minutes:
            continue
        return int(t_ms[back]), float(np.mean(x[before])), float(np.mean(x[after]))
    return None


class ProbeReturnMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there): a probe back at a new level."""

    if TYPE_CHECKING:
        def _worth_telling(self, name: str, departure: float) -> bool: ...  # analytics.drift.DriftMixin

    def _probe_came_back(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
        """Tell a probe back from silence at a level 3σ and a test kit's resolution from both its level
        before the silence and its usual, once, and learn the water again from its return."""
        s = self.settings
        present = [n for n in s.drift_sensors if n in frame]
        since = max(self.learn_from_ms + 1, now_ms - s.window_minutes * MIN_MS)
        for name in present:
            others = np.zeros(len(t_ms), dtype=bool)
            for n in present:
                if n != name:
                    others |= np.isfinite(frame[n])
            found = probe_return(t_ms, frame[name], others, since)
            usual = None if found is None else self._usual_series(name, t_ms[t_ms >= found[0]], frame)
            if found is None or usual is None:
                continue
            back_ms, before, after = found
            sd = self._residual_sd(name, frame)
            was = float(np.mean(usual[:LEVEL_READINGS]))
            if not (math.isfinite(sd) and abs(after - before) >= 3 * sd and abs(after - was) >= 3 * sd
                    and abs(after - before) >= self.profile.relevant_change.get(name, 0.0)
                    and abs(after - was) >= self.profile.relevant_change.get(name, 0.0)):
                continue
            label = LABELS[name][0]
            text = (f"The {label} reads {_fmt(name, after)} since its probe came back ({_fmt(name, before)} "
                    f"before it went silent, usual {_fmt(name, was)}): if you recalibrated or replaced the "
                    f"probe, nothing to do; otherwise check the probe against a test kit. "
                    f"Learning the tank's {label} from its new level.")
            self.accept_change(back_ms)
            self.told_departures.pop(name, None)
            st = self._alert("drift")
            if st.state != "firing":
                st.episodes += 1
            st.state, st.since_ms, st.clear_since_ms, st.summary, st.sensors = "firing", now_ms, 0, text, [name]
            self.day_notes.append(f"the {label} probe came back at a new level: learnt again from it")
            return [Transition("drift", "warning", "firing", text, now_ms, after - was)]
        return []
