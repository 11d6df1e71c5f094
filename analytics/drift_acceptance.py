"""A lasting change becomes the new normal: the drift's acceptance, told or quiet.

The drift's part (:class:`analytics.drift.DriftMixin`) that decides when a
departure is no longer news: a told drift lasting ``accept_after_hours`` with
no rule alert is accepted (:meth:`DriftAcceptanceMixin._maybe_accept`), an
untold one kept out of learning as long settles quietly
(:meth:`DriftAcceptanceMixin._maybe_settle`), and a reading that departs while a
drift is already told is told again and restarts the clock
(:meth:`DriftAcceptanceMixin._newly_departing`).

Round 11: a departure is told once.  A lasting change (new water's TDS, a new
heater's set point) keeps its readings away from a usual that has not learnt it
yet, while the KL score wanders about its release level with the hour's
day-to-day spread: the drift was told, resolved, and told again in the same
words a few hours later, five times a day.  What a keeper has been told (the
reading, which way, how far: :meth:`DriftAcceptanceMixin._remember_told`) is
not news again until the reading has been back near usual for a whole drift
window, or it went further by a change worth telling
(:meth:`DriftAcceptanceMixin._news`).  Learning is untouched: a window that
shows the change is kept out of it, told or not, and the quiet acceptance
(:meth:`DriftAcceptanceMixin._maybe_settle`) takes the lasting change in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics.catalogue import MIN_MS, Transition
from analytics.monitor_host import HostBase


class DriftAcceptanceMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there): accepting a lasting change."""

    if TYPE_CHECKING:
        def _worth_telling(self, name: str, departure: float) -> bool: ...  # analytics.drift.DriftMixin

    def _news(self, now_ms: int, names: list[str], departures: list[float]) -> list[str]:
        """The readings of ``names`` whose departure (reading minus usual) the keeper has not been told yet.

        A reading told to depart the same way within ``reference_hours`` (after
        that every fit is of water since the telling) is news again only if it
        went further than told by a change worth telling
        (:meth:`analytics.drift.DriftMixin._worth_telling` of the difference):
        new water's TDS 45 ppm under usual, told, is no news at 474 ppm three
        hours later, and a leak taking it to 300 is.
        """
        out = []
        for name, dep in zip(names, departures):
            told = self.told_departures.get(name)
            if told is None or told[0] * dep <= 0 or now_ms - told[1] > self.settings.reference_hours * 3_600_000 \
                    or self._worth_telling(name, dep - told[0]):
                out.append(name)
        return out

    def _remember_told(self, now_ms: int, names: list[str], departures: list[float]) -> None:
        """The keeper was just told of these readings' departures."""
        for name, dep in zip(names, departures):
            self.told_departures[name] = [float(dep), float(now_ms), 0.0]

    def _forget_returned(self, now_ms: int, scored: list[str], away: dict[str, float]) -> None:
        """Forget a told departure once its reading has been back near usual for a whole drift window.

        ``scored`` are the readings judged now; ``away`` those still 3σ and a
        test kit's resolution from usual, with their departures.  A whole
        window back is the drift's own evidence that the water is usual again
        (every reading of the window scored is); a reading back for minutes,
        at an hour whose usual swings across it, is not.
        """
        for name in list(self.told_departures):
            dep, told_ms, back_ms = self.told_departures[name]
            if now_ms - told_ms > self.settings.reference_hours * 3_600_000:
                del self.told_departures[name]
            elif name not in scored:
                continue
            elif away.get(name, 0.0) * dep > 0:
                self.told_departures[name][2] = 0.0
            elif not back_ms:
                self.told_departures[name][2] = float(now_ms)
            elif now_ms - back_ms >= self.settings.window_minutes * MIN_MS:
                del self.told_departures[name]

    def _maybe_settle(self, now_ms: int) -> None:
        """A change kept out of learning for ``accept_after_hours`` and never told is the new normal, quietly.

        A change inside the keeper's indifference zone (the salt 1 % lower
        after a top-off) is kept out of learning like a told one, so a probe
        that keeps drifting is not learnt in by the hour; a told drift becomes
        the new normal after ``accept_after_hours``, and an untold one lasting
        as long does too, without a word: the water has settled where the
        keeper does not mind it.
        """
        span = self.excluded[-1] if self.excluded else None
        if span is None or self.firing("drift") or self.in_maintenance(now_ms) or span[1] < now_ms or \
                now_ms - span[0] < self.settings.accept_after_hours * 3_600_000:
            return
        if any(a.state == "firing" and k != "water_change_due" for k, a in self.alerts.items()):
            return
        self.accept_change(now_ms)
        self.day_notes.append("a small lasting change was taken as the new normal")

    def _newly_departing(self, now_ms: int, moved: list[str], summary: str, value: float) -> list[Transition]:
        """A reading that leaves usual while a drift is already told is told again, and its clock restarts.

        A drift lasting ``accept_after_hours`` becomes the new normal; a fault
        that began under it (a pH probe reading +0.5 after a bad recalibration,
        two hours into a drift on TDS) was taken in with it, untold: the keeper
        had been told of the TDS only.  A reading that departs now and was not
        among those told is a new change: the keeper is told (the alert fires
        again, in the words of now) and the acceptance waits
        ``accept_after_hours`` from now.
        """
        st = self.alerts.get("drift")
        if st is None or st.state != "firing":
            return []
        if st.since_ms == now_ms or not st.sensors:  # it fired now: these are the readings told
            st.sensors = list(moved)
            return []
        new = [n for n in moved if n not in st.sensors]
        if not new:
            return []
        st.sensors = st.sensors + new
        st.since_ms, st.summary = now_ms, summary
        return [Transition("drift", "warning", "firing", summary, now_ms, value)]

    def _maybe_accept(self, now_ms: int) -> list[Transition]:
        """A drift that has lasted ``accept_after_hours`` with no rule alert is the new normal."""
        st = self.alerts.get("drift")
        if st is None or st.state != "firing":
            return []
        if (now_ms - st.since_ms) < self.settings.accept_after_hours * 3_600_000:
            return []
        if any(a.state == "firing" and k not in ("drift", "water_change_due") for k, a in self.alerts.items()):
            return []
        self.accept_change(now_ms)
        st.state, st.since_ms, st.clear_since_ms = "ok", now_ms, 0
        self.day_notes.append("a lasting change was accepted as the new normal")
        return [Transition("drift", "warning", "resolved",
                           f"Accepted as the new normal after {self.settings.accept_after_hours:g} h: "
                           f"{st.summary} Learning the tank's pattern again.", now_ms, 0.0)]
