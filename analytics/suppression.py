"""Known states that are not alarms: a probe being calibrated, a tank under maintenance.

A pH calibration puts the probe in buffer solutions (4.01, 6.86, 9.18): the
readings are not the water's, and a "pH crashing" page would be a lie.  A
water change empties and refills the tank: sump, flow and temperature alerts
are expected.  The device announces a calibration session with
``calibration_start`` / ``calibration_end`` events naming the probe; a signed
``maintenance`` command (``aquamon silence TANK --maintenance 1h``) covers
the whole tank for a limited time.  While either holds, the alerts it covers
do not notify (the daily summary says what was held back); an alert still
firing once it ends (plus a settling time) is real and notifies then.

>>> s = Suppressions()
>>> s.event("t1", 0, "calibration_start", '{"probe": "ph"}')
>>> s.reason("t1", "ph_crash", 60_000), s.reason("t1", "heater_stuck", 60_000)
('the pH probe is being calibrated', None)
>>> s.event("t1", 600_000, "calibration_end", "ph")
>>> s.reason("t1", "ph_crash", 600_000 + SETTLE_MS)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MIN_MS = 60_000
#: a probe back in the water needs this long before its readings are the water's again
SETTLE_MS = 15 * MIN_MS
#: a calibration whose end was never heard (a lost event, a reboot) ends by itself after this long
CALIBRATION_MAX_MS = 2 * 60 * MIN_MS

#: water alerts by the reading they come from; drift and probe health span the probes, so a calibration
#: of any probe holds them too
CHANNEL_ALERTS = {
    "temp_c": ("heater_stuck", "heater_dead", "temp_out_of_range"),
    "ph": ("ph_crash", "ph_rising", "ph_out_of_range"),
    "tds_ppm": (), "turb_ntu": (),
    "level_cm": ("sump_low", "top_off_behind"),
    "flow_lpm": ("pump_stopped", "flow_low", "flow_reduced"),
}
PROBE_WIDE = ("drift", "probe_stuck", "probe_noisy", "probe_silent", "probe_drift", "probe_step")
WATER_ALERTS = frozenset(k for keys in CHANNEL_ALERTS.values() for k in keys) | frozenset(PROBE_WIDE)
PROBE_NAMES = {"temp_c": "temperature", "ph": "pH", "tds_ppm": "TDS", "turb_ntu": "turbidity",
               "level_cm": "level", "flow_lpm": "flow"}
_ALIASES = {"temp": "temp_c", "temperature": "temp_c", "tds": "tds_ppm", "ec": "tds_ppm", "turb": "turb_ntu",
            "turbidity": "turb_ntu", "level": "level_cm", "flow": "flow_lpm"}


def probe_of(detail: str) -> str | None:
    """The channel a calibration event names: ``{"probe": "ph"}``, ``{"channel": "ph"}``, ``probe=ph`` or ``ph``.

    >>> probe_of('{"channel": "tds"}'), probe_of("probe=ph"), probe_of("buffer 7")
    ('tds_ppm', 'ph', None)
    >>> probe_of("tds probe under calibration: its readings are not the water's")  # as the firmware says it
    'tds_ppm'
    >>> [probe_of(f"{name} probe under calibration: its readings are not the water's until the session ends")
    ...  for name in ("pH", "TDS/EC")]  # firmware/devcmd.py's words
    ['ph', 'tds_ppm']

    """
    name = ""
    try:
        doc: Any = json.loads(detail)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        name = str(doc.get("probe") or doc.get("channel") or doc.get("sensor") or "")
    elif isinstance(doc, str):
        name = doc
    else:
        m = re.search(r"(?:probe|channel|sensor)\s*[=:]\s*([A-Za-z_]+)", detail)
        name = m[1] if m else detail.strip()
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    if name not in CHANNEL_ALERTS:  # the firmware's own words: "ph probe under calibration: ..."
        first = re.match(r"\s*([A-Za-z_]+)\b", detail)
        name = _ALIASES.get(first[1].lower(), first[1].lower()) if first else ""
    return name if name in CHANNEL_ALERTS else None


@dataclass
class Suppressions:
    """Calibrations per (tank, channel) and maintenance per tank, each with its end (data time, ms)."""

    calibrating: dict[tuple[str, str], int] = field(default_factory=dict)  # -> until ms (2**62: open)
    calibration_started: dict[tuple[str, str], int] = field(default_factory=dict)
    maintenance: dict[str, int] = field(default_factory=dict)  # tank -> until ms

    def event(self, tank: str, t_ms: int, kind: str, detail: str) -> None:
        """Take one firmware event; only ``calibration_start`` / ``calibration_end`` matter here."""
        if kind not in ("calibration_start", "calibration_end"):
            return
        probe = probe_of(detail)
        probes = [probe] if probe else [p for (t, p) in self.calibrating if t == tank]
        if kind == "calibration_start":
            probe = probe or "ph"  # the only probe calibrated by command today (firmware/calib.py)
            self.calibrating[(tank, probe)] = 2**62
            self.calibration_started[(tank, probe)] = t_ms
            return
        for p in probes:
            self.calibrating[(tank, p)] = t_ms + SETTLE_MS

    def set_maintenance(self, tank: str, until_ms: int) -> None:
        self.maintenance[tank] = until_ms

    def _calibrating(self, tank: str, probe: str, now_ms: int) -> bool:
        until = self.calibrating.get((tank, probe), -1)
        started = self.calibration_started.get((tank, probe), now_ms)
        return now_ms < until and now_ms - started < CALIBRATION_MAX_MS + SETTLE_MS

    def reason(self, tank: str, key: str, now_ms: int) -> str | None:
        """Why ``key`` of ``tank`` must not notify at ``now_ms`` (keeper's words), or None."""
        if key not in WATER_ALERTS:
            return None
        if now_ms < self.maintenance.get(tank, -1):
            return "the tank is under maintenance"
        for (t, probe) in list(self.calibrating):
            if t == tank and self._calibrating(tank, probe, now_ms) and (
                    key in CHANNEL_ALERTS[probe] or key in PROBE_WIDE):
                return f"the {PROBE_NAMES[probe]} probe is being calibrated"
        return None

    def tank_state(self, tank: str) -> dict[str, Any]:
        return {"calibrating": {p: u for (t, p), u in self.calibrating.items() if t == tank},
                "started": {p: u for (t, p), u in self.calibration_started.items() if t == tank},
                "maintenance": self.maintenance.get(tank)}

    def restore_tank(self, tank: str, doc: dict[str, Any]) -> None:
        self.forget_tank(tank)
        for p, until in dict(doc.get("calibrating") or {}).items():
            self.calibrating[(tank, str(p))] = int(until)
        for p, since in dict(doc.get("started") or {}).items():
            self.calibration_started[(tank, str(p))] = int(since)
        if doc.get("maintenance") is not None:
            self.maintenance[tank] = int(doc["maintenance"])

    def forget_tank(self, tank: str) -> None:
        self.calibrating = {k: v for k, v in self.calibrating.items() if k[0] != tank}
        self.calibration_started = {k: v for k, v in self.calibration_started.items() if k[0] != tank}
        self.maintenance.pop(tank, None)
