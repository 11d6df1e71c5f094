"""The alert catalogue: every alert's key, severity, timing, what it explains, and the reading it is about.

Keeper-facing wording of FIRING messages lives with the part that decides
each alert (:mod:`analytics.monitor`); reminders, resolutions and routing are
the notifier's (:mod:`analytics.alerts`).  docs/alerts.md lists the same
catalogue (``tests/test_alerts_monitor.py::test_docs_list_every_alert``).

>>> ALERTS["sump_low"].severity, "level_falling" in ALERTS["sump_low"].explains
('critical', True)
>>> _fmt("temp_c", 25.123)
'25.12 °C'
"""

from __future__ import annotations

from dataclasses import dataclass

from aquamon.contract import shown_sensors

MIN_MS = 60_000
DAY_MS = 86_400_000
SLOT_MS = 5 * MIN_MS
SLOTS = DAY_MS // SLOT_MS

DRIFT_SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
PROBE_SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
FORECAST_SENSORS = ("tds_ppm", "level_cm")
#: the water's channels (despiked before the water's statistics see them)
WATER_CHANNELS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
#: after a water change, the heater rules wait this long (cooler new water, then the heater's catch-up)
WATER_CHANGE_SETTLE_MS = 3 * 3_600_000
#: what a water change does not move for good: the heater (or the room) brings the temperature back
KEPT_BY_A_WATER_CHANGE = ("temp_c",)
#: drift readings that cannot go below zero: a keeper's range with only a high end starts at zero
NON_NEGATIVE = ("tds_ppm", "turb_ntu")
#: drift readings whose departure one way harms nothing (-1: lower than usual): clearer water than usual
HARMLESS_WAY = {"turb_ntu": -1.0}

#: sensor -> (the keeper's word in a sentence, " unit" or "", decimals), from the contract
LABELS = {s.key: (s.label, f" {s.unit}" if s.unit else "", s.decimals) for s in shown_sensors()}


#: the reading each alert is about, and which way is worse ("low", "high", or "far" from the usual range)
ALERT_READING: dict[str, tuple[str, str]] = {
    "heater_stuck": ("temp_c", "high"), "heater_dead": ("temp_c", "low"), "temp_out_of_range": ("temp_c", "far"),
    "ph_crash": ("ph", "low"), "ph_rising": ("ph", "high"), "ph_out_of_range": ("ph", "far"), "pump_stopped": ("flow_lpm", "low"),
    "flow_low": ("flow_lpm", "low"), "flow_reduced": ("flow_lpm", "low"), "sump_low": ("level_cm", "low"), "level_falling": ("level_cm", "low"),
    "level_rising": ("level_cm", "high"), "top_off_behind": ("level_cm", "low"),
}


ALERT_READING_SENSORS = frozenset(sensor for sensor, _ in ALERT_READING.values())


@dataclass(frozen=True)
class AlertSpec:
    """One alert the system can raise: its severity, timing and what it means."""

    severity: str  # critical | warning | info
    for_minutes: int  # the condition must hold this long before it fires
    clear_minutes: int  # ... and be clear this long before it resolves
    meaning: str
    #: a firing alert of this key explains these: they join its message instead of their own
    explains: tuple[str, ...] = ()


ALERTS: dict[str, AlertSpec] = {
    "heater_stuck": AlertSpec("critical", 2, 30, "temperature rising faster than temp_rise_c_per_h, or rising "
                              "steadily away from usual (a 15-minute trend steeper than heater_off_c_per_h and "
                              "than the healthy water's own trends)",
                              ("temp_out_of_range", "drift", "water_quality")),
    "heater_dead": AlertSpec("critical", 2, 30, "temperature falling faster than temp_fall_c_per_h, or falling "
                             "steadily away from usual (as heater_stuck, the other way)",
                             ("temp_out_of_range", "drift", "water_quality")),
    "temp_out_of_range": AlertSpec("critical", 3, 10, "temperature outside the profile's temp_c limits",
                                   ("drift", "water_quality")),
    "ph_crash": AlertSpec("critical", 2, 30, "pH falling faster than ph_fall_per_h",
                          ("ph_out_of_range", "drift", "water_quality")),
    "ph_rising": AlertSpec("critical", 2, 30, "pH rising away from its usual daily course faster than "
                           "ph_rise_per_h and than the healthy water's own 15-minute rises (learned), outside a "
                           "water change: a doser or buffer overdosing, the CO2 run out",
                           ("ph_out_of_range", "drift", "water_quality")),
    "ph_out_of_range": AlertSpec("critical", 3, 10, "pH outside the profile's ph limits", ("drift", "water_quality")),
    "pump_stopped": AlertSpec("critical", 1, 5, "no filter flow (below flow_stopped_lpm) while the pump is switched "
                              "on, or while the firmware reports a flow fault",
                              ("flow_low", "flow_reduced", "heater_dead", "temp_out_of_range", "drift", "water_quality", "device_fault",
                               "pump_lockout", "level_rising")),
    "flow_low": AlertSpec("warning", 5, 10, "filter flow below the profile's flow_lpm low limit, or below half "
                          "the filter's own usual flow", ("flow_reduced",)),
    "flow_reduced": AlertSpec("warning", 5, 30, "the filter's median flow over 30 minutes, the pump on, more than "
                              "30 % and four of its healthy spreads below its own clean flow (learned while healthy), "
                              "outside a water change or maintenance: a filter clogging or an impeller fouling"),
    "pump_left_off": AlertSpec("warning", 0, 5, "the pump reported switched off at the controller for longer than "
                               "1.5 times the longest this keeper's water changes and maintenance kept it off in "
                               "the last 14 days (at least an hour; 2 hours with none remembered), outside "
                               "maintenance and the controller's own interlocks: a pump forgotten after a water change",
                               ("flow_low", "flow_reduced", "drift", "water_quality")),
    "sump_low": AlertSpec("critical", 0, 5, "sump level below the profile's level_cm low limit",
                          ("pump_interlock", "pump_stopped", "flow_low", "level_falling", "top_off_behind")),
    "level_falling": AlertSpec("critical", 5, 30, "sump level falling faster than level_fall_cm_per_h (slope over "
                               "30 min, or over 15 min beyond the sump's own healthy 15-minute falls while the "
                               "pump runs steadily), outside a water change: a leak", ("sump_low",)),
    "level_rising": AlertSpec("critical", 2, 30, "the level rising steadily through the last 21 minutes "
                              "(three 7-minute parts, so a top-up poured by hand is a step, not this), faster than "
                              "level_fall_cm_per_h and the level's healthy steady rises: an automatic top-off stuck "
                              "open or a hose left running, an overflow coming"),
    "top_off_behind": AlertSpec("warning", 10, 30, "where an automatic top-off holds the level in a band narrower "
                                "than a day's evaporation (learned), the half-hour median level below that band by "
                                "more than a day's evaporation and its low end's day-to-day spread, not rising, "
                                "outside a water change: the top-off's reservoir empty, or its pump or float failed"),
    "device_offline": AlertSpec("critical", 0, 0, "the device's last will: it lost its connection",
                                ("no_telemetry",)),
    "no_telemetry": AlertSpec("warning", 0, 0, "no reading from the tank for no_data_minutes"),
    "pump_interlock": AlertSpec("warning", 0, 30, "the firmware stopped the pump to protect it (interlock event)"),
    "pump_lockout": AlertSpec("critical", 0, 60, "the firmware locked the pump out after repeated faults",
                              ("pump_interlock", "pump_stopped", "flow_low", "device_fault")),
    "device_fault": AlertSpec("critical", 1, 60, "the firmware reported a fault event"),
    # the outlets the firmware drives itself: it has already acted, so these wait for the morning
    "heater_cutoff": AlertSpec("warning", 0, 30, "the firmware's hard cut-off switched the heater off "
                               "(heater_cutoff event) until heater_resume"),
    "heater_fallback": AlertSpec("warning", 0, 30, "the firmware switched the heater off: its probe missing, stuck "
                                 "or disagreeing, or on too long (heater_fallback event) until heater_resume"),
    "topoff_lockout": AlertSpec("warning", 0, 30, "the firmware locked the top-off out: a fill ran too long or the "
                                "reservoir is empty (topoff_lockout event) until topoff_clear"),
    "drift": AlertSpec("warning", 10, 30, "the water left its usual day/night pattern (divergence above threshold)",
                       ("water_quality",)),
    "water_quality": AlertSpec("warning", 0, 0, "a reading left its calibrated healthy range or started a "
                               "sustained ramp (the quality watch, analytics/quality.py)"),
    "probe_stuck": AlertSpec("warning", 0, 10, "one probe repeats the same value: its wobble collapsed for 20 "
                             "minutes, or it repeated one reading more times in a row than the healthy probe does "
                             "once in false_alarms_per_30_days",
                              ("drift", "water_quality")),
    # (the wobble is a robust spread over 20 minutes: half its steps must be wide before it moves, so, as for
    # probe_stuck's 20-minute collapse, the persistence is the statistic's; a wait on top of it (ten minutes
    # until round 22) only delayed a probe already failing for ten: docs/detection.md round 22)
    "probe_noisy": AlertSpec("warning", 0, 30, "one probe's wobble is far above its usual noise (the level "
                             "sensor's: away from where it stood and still there, knocked askew or fogged)",
                              ("drift", "water_quality")),
    "probe_silent": AlertSpec("warning", 5, 10, "one probe gives no usable reading (none, or only readings "
                              "outside the contract's range) while the others do", ("drift", "water_quality")),
    "probe_drift": AlertSpec("warning", 0, 60, "one probe drifts slowly on its own: recalibrate it",
                              ("drift", "water_quality")),
    "probe_step": AlertSpec("warning", 0, 10, "the temperature or pH reading jumped between two minutes far "
                            "beyond its probe's noise and the water's fastest healthy change, and stayed, while "
                            "the level and the TDS were steady: the probe (recalibrated, moved or failing)",
                            ("drift", "water_quality")),
    "water_change_due": AlertSpec("info", 0, 0, "the forecast reaches a limit within due_days"),
}


@dataclass
class Transition:
    """An alert starting (``firing``) or ending (``resolved``).

    ``value`` is the deciding number (a rate, a score); ``sensor``, ``now``
    and ``peak`` are the reading the alert is about, its value at the
    transition and its extreme since the alert's condition began ("" and None
    when the alert is not about one reading, or it has no reading now), for
    "now 28.1 °C, peak 29.2 °C".
    """

    key: str
    severity: str
    state: str  # firing | resolved
    summary: str
    t_ms: int
    value: float
    sensor: str = ""
    now: float | None = None
    peak: float | None = None



def _fmt(sensor: str, value: float) -> str:
    label, unit, dec = LABELS.get(sensor, (sensor, "", 2))
    return f"{value:.{dec}f}{unit}"
