"""The keeper's words: titles, firmware strings translated, current values.

No alert key or firmware string reaches a message a person reads: alerts
have titles, and what the firmware reports ("flow 0.00 l/min with the pump
on: off, retry in 60 s") is rewritten as a sentence.

>>> keeper_words("The controller reported a fault: flow 0.00 l/min with the pump on: off, retry in 60 s.")
'The controller reported a fault: no water flow (0.0 l/min) while the pump was running, so the controller switched it off and tries again in 1 min.'
>>> title("probe_stuck"), title("something_new")
('probe stuck', 'something new')
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from aquamon.contract import SENSORS

TITLES = {
    "heater_stuck": "heater stuck on", "heater_dead": "heater failed", "temp_out_of_range": "temperature unsafe",
    "ph_crash": "pH crashing", "ph_rising": "pH rising fast", "ph_out_of_range": "pH unsafe", "pump_stopped": "pump stopped",
    "flow_low": "filter flow low", "flow_reduced": "filter flow reduced", "pump_left_off": "pump left off", "sump_low": "sump level low", "device_offline": "controller offline",
    "no_telemetry": "no readings", "pump_interlock": "pump stopped by the controller",
    "pump_lockout": "pump locked out", "device_fault": "controller fault", "drift": "water drifting",
    "probe_stuck": "probe stuck", "probe_noisy": "probe failing", "probe_silent": "probe silent", "probe_drift": "probe needs recalibrating",
    "probe_step": "probe reading jumped",
    "water_change_due": "water change due", "heater_cutoff": "heater switched off by the controller",
    "heater_fallback": "heater off: probe not trusted", "topoff_lockout": "top-off stopped",
    "level_falling": "sump level falling", "top_off_behind": "top-off not keeping up", "level_rising": "water level rising", "water_quality": "water quality",
}

#: the reading a message about this alert quotes, and which way is worse ("max" or "min"; None: by the text)
KEY_READING: dict[str, tuple[str, str | None]] = {
    "heater_stuck": ("temp_c", "max"), "heater_dead": ("temp_c", "min"), "temp_out_of_range": ("temp_c", None),
    "ph_crash": ("ph", "min"), "ph_rising": ("ph", "max"), "ph_out_of_range": ("ph", None), "pump_stopped": ("flow_lpm", "min"),
    "flow_low": ("flow_lpm", "min"), "flow_reduced": ("flow_lpm", "min"), "sump_low": ("level_cm", "min"),
    "top_off_behind": ("level_cm", "min"),
}

#: a message rounds these readings coarser than the contract's decimals ("28.1 °C" on a phone)
MESSAGE_DECIMALS = {"temp_c": 1, "turb_ntu": 1}
#: how each reading is named and shown (label, unit, decimals): the contract's, with a message's rounding
READINGS = {s.key: (s.label, f" {s.unit}" if s.unit else "", MESSAGE_DECIMALS.get(s.key, s.decimals))
            for s in SENSORS.values()}


def title(key: str) -> str:
    """The alert's name in words (an unknown key reads as its words, never as an identifier)."""
    return TITLES.get(key, key.replace("_", " "))


def reading_text(sensor: str, value: float) -> str:
    """"28.1 °C", "pH 6.42" (pH reads better with its name in front).

    >>> reading_text("temp_c", 28.14), reading_text("ph", 6.421)
    ('28.1 °C', 'pH 6.42')
    """
    label, unit, dec = READINGS.get(sensor, (sensor, "", 2))
    text = f"{value:.{dec}f}{unit}"
    return f"pH {text}" if sensor == "ph" else text


def _minutes(seconds: str) -> str:
    s = int(seconds)
    return f"{s // 60} min" if s >= 60 and s % 60 == 0 else f"{s} s"


# firmware event details (firmware/pump.py) as a keeper says them; applied in this order
_FIRMWARE = [
    (re.compile(r"\bflow (\d+(?:\.\d+)?) l/min with the pump on: off, retry in (\d+) s"),
     lambda m: (f"no water flow ({float(m[1]):.1f} l/min) while the pump was running, so the controller switched "
                f"it off and tries again in {_minutes(m[2])}")),
    (re.compile(r"\bno flow with the pump on: off, retry in (\d+) s"),
     lambda m: ("the flow sensor gave no reading while the pump was running, so the controller switched it off "
                f"and tries again in {_minutes(m[1])}")),
    (re.compile(r"\bflow (\d+(?:\.\d+)?) l/min with the pump on\b"),
     lambda m: f"no water flow ({float(m[1]):.1f} l/min) while the pump was running"),
    (re.compile(r"\bno flow with the pump on\b"), lambda m: "the flow sensor gave no reading while the pump was running"),
    (re.compile(r"\b(\d+) flow faults within an hour: pump locked out until cleared by a signed command or the "
                r"button"),
     lambda m: (f"{m[1]} flow faults within an hour, so the pump stays off until you press the controller's "
                "button or send it a reset")),
    (re.compile(r"\bmaximum on-time reached: resting (\d+) s"),
     lambda m: f"the pump ran for its longest allowed time and is resting for {_minutes(m[1])}"),
    (re.compile(r"\bsump level unknown\b"), lambda m: "the sump level sensor is not answering"),
]


def keeper_words(text: str) -> str:
    """``text`` with every firmware string the controller reports rewritten in words."""
    for pattern, words in _FIRMWARE:
        text = pattern.sub(words, text)
    return text


def now_and_worst(key: str, summary: str, now: Mapping[str, float], worst: tuple[float, int] | None,
                  clock: Callable[[int], str]) -> str:
    """"now 28.1 °C, peak 29.2 °C at 02:18" for an alert that is about one reading ("" otherwise)."""
    sensor = KEY_READING.get(key, ("", None))[0]
    if not sensor or sensor not in now:
        return ""
    text = f"now {reading_text(sensor, now[sensor])}"
    if worst is not None:
        word = "peak" if worse_is(key, summary) == "max" else "lowest"
        text += f", {word} {reading_text(sensor, worst[0])} at {clock(worst[1])}"
    return text


def worse_is(key: str, summary: str) -> str:
    """Which way the reading of ``key`` gets worse: "max" or "min" (range alerts: read from their text)."""
    way = KEY_READING.get(key, ("", "max"))[1]
    if way is None:
        return "min" if " below " in summary else "max"
    return way
