# Heater guard as a pure state machine (state, inputs, now) -> events, as pump.py:
# no hardware, no clock of its own; the app switches the relay to `guard.on`.
#
# Two ways to wire it (device.json "heater"):
#   set_c > 0   the controller is the thermostat: on below set_c - hyst_c, off at set_c;
#   set_c == 0  guard only: the heater's own thermostat regulates and the relay stays
#               on unless something below switches it off.
# Whatever the mode, in the order step() applies it:
#   1. fallback OFF without a trusted reading: the probe is missing, its reading is
#      stuck (exactly the same value stuck_n times in a row: a live probe's last digit
#      wobbles, as the analytics' wobble test assumes) or a second probe disagrees by
#      more than disagree_c.  Event "heater_fallback".
#   2. hard cut-off at cutoff_c, on the hotter of the two probes, trusted or not: the
#      heater stays off until the water is back below cutoff_c - rearm_c.  Event
#      "heater_cutoff".  Independent of the thermostat: a wrong set point or a stuck
#      thermostat inside the heater cannot pass it.
#   3. (thermostat mode) on continuously for max_on_ms -> off: a heater that cannot
#      warm the water is broken or out of the water.
#   4. after any stop the relay stays off for min_off_ms (no short-cycling).
# "heater_resume" says when the relay may run again after 1 or 2.
#
# Deadlines carry a flag cleared in the step that passes them, so no stale ticks
# value is ever compared (see pump.py).

from ticks import ticks_add, ticks_diff


class HeaterGuard:
    def __init__(self, set_c=0.0, hyst_c=0.3, cutoff_c=29.0, rearm_c=1.0, max_on_ms=0, min_off_ms=60000,
                 stuck_n=30, disagree_c=1.0):
        if not 0.0 < cutoff_c <= 40.0 or set_c >= cutoff_c or set_c < 0.0:
            raise ValueError("heater: need 0 <= set_c < cutoff_c <= 40")
        if hyst_c < 0.0 or rearm_c < 0.0 or disagree_c <= 0.0 or max_on_ms < 0 or min_off_ms < 0 or stuck_n < 0:
            raise ValueError("heater: hysteresis, re-arm, disagreement, times and stuck_n must not be negative")
        self.set_c = set_c
        self.hyst_c = hyst_c
        self.cutoff_c = cutoff_c
        self.rearm_c = rearm_c
        self.max_on_ms = max_on_ms if set_c > 0.0 else 0  # guard mode: the heater's own thermostat cycles it
        self.min_off_ms = min_off_ms
        self.stuck_n = stuck_n
        self.disagree_c = disagree_c
        self.on = False
        self.on_since = 0
        self.resting = False
        self.rest_until = 0
        self.fallback = ""  # why the reading is not trusted ("" = trusted)
        self.cut = False
        self.last = None  # the last reading, and how many times in a row it repeated
        self.same = 0

    def _stop(self, now):
        self.on = False
        self.resting = True
        self.rest_until = ticks_add(now, self.min_off_ms)

    def step(self, temp_c, temp2_c, now):
        """Advance one control period; return [(kind, detail)].  ``temp_c`` is the probe the
        thermostat uses, ``temp2_c`` the second probe; either is None when missing or failed."""
        events = []
        if self.resting and ticks_diff(now, self.rest_until) >= 0:
            self.resting = False
        blocked = self.cut or self.fallback
        why = ""
        if temp_c is None:
            why = "temperature probe missing or failing"
            self.last = None
        else:
            if temp_c == self.last:
                self.same += 1
            else:
                self.last = temp_c
                self.same = 0
            if self.stuck_n and self.same >= self.stuck_n:
                why = "temperature reading stuck at %.2f C" % temp_c
            elif temp2_c is not None and abs(temp_c - temp2_c) > self.disagree_c:
                why = "temperature probes disagree (%.2f and %.2f C)" % (temp_c, temp2_c)
        if why and why[:20] != self.fallback[:20]:  # one event per cause, not per changing number
            events.append(("heater_fallback", why + ": heater off until the probe is trusted again"))
        self.fallback = why
        hot = temp_c
        if hot is None or (temp2_c is not None and temp2_c > hot):
            hot = temp2_c
        if hot is not None:
            if hot >= self.cutoff_c:
                if not self.cut:
                    events.append(("heater_cutoff", "heater switched off at %.1f C (cut-off %.1f C)"
                                   % (hot, self.cutoff_c)))
                self.cut = True
            elif self.cut and hot < self.cutoff_c - self.rearm_c:
                self.cut = False
        if blocked and not (self.cut or self.fallback):
            events.append(("heater_resume", "temperature %.1f C and trusted: heater control resumed" % temp_c))
        want = not (self.cut or self.fallback)
        if want and self.set_c > 0.0:
            want = temp_c < (self.set_c if self.on else self.set_c - self.hyst_c)
        if want and self.on and self.max_on_ms and ticks_diff(now, self.on_since) >= self.max_on_ms:
            events.append(("heater_fallback", "heater on for %d min without reaching %.1f C: off for a rest "
                                              "(is it broken or out of the water?)"
                           % (self.max_on_ms // 60000, self.set_c)))
            want = False
        if self.on and not want:
            self._stop(now)
        elif want and not self.on and not self.resting:
            self.on = True
            self.on_since = now
        return events
