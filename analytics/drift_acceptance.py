"""A lasting change becomes the new normal: the drift's acceptance, told or quiet.

The drift's part (:class:`analytics.drift.DriftMixin`) that decides when a
departure is no longer news: a told drift lasting ``accept_after_hours`` with
no rule alert is accepted (:meth:`DriftAcceptanceMixin._maybe_accept`), an
untold one kept out of learning as long settles quietly
(:meth:`DriftAcceptanceMixin._maybe_settle`), and a reading that departs while a
drift is already told is told again and restarts the clock
(:meth:`DriftAcceptanceMixin._newly_departing`).
"""

from __future__ import annotations

from analytics.catalogue import Transition
from analytics.monitor_host import HostBase


class DriftAcceptanceMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there): accepting a lasting change."""

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
