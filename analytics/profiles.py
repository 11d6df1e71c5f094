"""Tank profiles: the limits a keeper of that kind of tank expects, per sensor.

A profile is a starting point, not a verdict: every limit can be overridden in
the ``[alerts]`` section of the config (see ``docs/alerts.md``).

Examples
--------
>>> p = get_profile("tropical")
>>> p.temp_c.low, p.temp_c.high, p.level_cm.low
(22.0, 29.0, 15.0)
>>> get_profile("turtle", {"temp_c_high": 31.5}).temp_c.high
31.5
>>> get_profile("marine")
Traceback (most recent call last):
...
ValueError: unknown tank profile 'marine'; use one of cold-water, tropical, turtle
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping


@dataclass(frozen=True)
class Limit:
    """Healthy range of one sensor; ``None`` means no limit on that side."""

    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    temp_c: Limit
    ph: Limit
    tds_ppm: Limit  # high = "water change due": the forecast aims at it
    level_cm: Limit  # low = sump low: the pump runs dry below it
    flow_lpm: Limit  # low = filter flow low (a clogged filter or a failing pump)
    #: below this the pump is not moving water at all
    flow_stopped_lpm: float = 0.5
    temp_rise_c_per_h: float = 2.0
    temp_fall_c_per_h: float = 2.0
    #: a heater that stopped: the water cools steadily faster than this over an hour (°C/h) ...
    heater_off_c_per_h: float = 0.3
    #: ... and is this much below its level of the last six hours (°C)
    heater_off_drop_c: float = 0.4
    ph_fall_per_h: float = 0.3
    #: the least pH rise per hour beyond the usual daily course told as rising fast (the tank's own healthy
    #: rises, learned, set it higher where they are steeper: analytics/ph_rise.py)
    ph_rise_per_h: float = 0.3
    #: the sump level falling faster than this is a leak (cm/h; evaporation is about 1 cm a day)
    level_fall_cm_per_h: float = 1.0
    #: the smallest change of a reading worth telling a keeper (what a test kit or thermometer resolves)
    relevant_change: Mapping[str, float] = field(default_factory=lambda: {"temp_c": 0.3, "ph": 0.1, "tds_ppm": 10.0,
                                                                          "turb_ntu": 0.3})
    #: the smallest departure told as drift even where the keeper's range is narrow: a drop kit's colour step
    #: (its chart reads pH in steps of 0.2; half a step, relevant_change, is evidence of a change, kept out of
    #: learning, but not a change the keeper can see on the chart)
    told_change: Mapping[str, float] = field(default_factory=lambda: {"ph": 0.2})
    #: a slow drift of one probe's daily mean, per day, that means "recalibrate"
    probe_drift_per_day: Mapping[str, float] = field(default_factory=lambda: {"ph": 0.05})
    #: the tank has a heater (its temperature alerts name it); an unheated tank's water follows the room
    heated: bool = True

    def limit(self, sensor: str) -> Limit:
        value = getattr(self, sensor, None)
        return value if isinstance(value, Limit) else Limit()


PROFILES: dict[str, Profile] = {
    # community tropical (25 °C, soft-to-neutral water): a 60x40 cm tank with a sump
    "tropical": Profile("tropical", temp_c=Limit(22.0, 29.0), ph=Limit(6.4, 8.0), tds_ppm=Limit(None, 400.0),
                        level_cm=Limit(15.0, None), flow_lpm=Limit(3.0, None)),
    # turtles: warmer water, far more waste (TDS climbs fast), a shallow sump
    "turtle": Profile("turtle", temp_c=Limit(23.0, 30.0), ph=Limit(6.5, 8.4), tds_ppm=Limit(None, 600.0),
                      level_cm=Limit(10.0, None), flow_lpm=Limit(4.0, None)),
    # goldfish and other cold-water fish: no heater, wider daily swing
    "cold-water": Profile("cold-water", temp_c=Limit(10.0, 24.0), ph=Limit(6.8, 8.4), tds_ppm=Limit(None, 500.0),
                          level_cm=Limit(15.0, None), flow_lpm=Limit(3.0, None), temp_rise_c_per_h=3.0,
                          temp_fall_c_per_h=3.0, heater_off_c_per_h=1.0, heater_off_drop_c=1.5, heated=False),
}

LIMIT_SENSORS = ("temp_c", "ph", "tds_ppm", "level_cm", "flow_lpm")


def get_profile(name: str, overrides: Mapping[str, float] | None = None) -> Profile:
    """The named profile with ``overrides`` applied.

    Override keys are ``{sensor}_low`` / ``{sensor}_high`` for limits and the
    names of the rate fields (``temp_rise_c_per_h`` ...); an unknown key is an
    error, not silently ignored.
    """
    if name not in PROFILES:
        raise ValueError(f"unknown tank profile {name!r}; use one of {', '.join(sorted(PROFILES))}")
    p = PROFILES[name]
    scalar = {f.name for f in fields(Profile) if f.type in ("float", float)}
    for key, value in (overrides or {}).items():
        sensor, _, side = key.rpartition("_")
        change: dict[str, Any]
        if sensor in LIMIT_SENSORS and side in ("low", "high"):
            change = {sensor: replace(p.limit(sensor), **{side: float(value)})}
        elif key in scalar:
            change = {key: float(value)}
        else:
            raise ValueError(f"unknown profile override {key!r}; use <sensor>_low / <sensor>_high for "
                             f"{', '.join(LIMIT_SENSORS)} or one of {', '.join(sorted(scalar))}")
        p = replace(p, **change)
    _check_overrides(p, overrides or {})
    return p


def _check_overrides(p: Profile, overrides: Mapping[str, float]) -> None:
    """Refuse overrides that would make a rule fire on every reading, or never (ValueError saying which)."""
    for key, value in overrides.items():
        sensor = key.rpartition("_")[0]
        lim = p.limit(sensor)
        if sensor in LIMIT_SENSORS and lim.low is not None and lim.high is not None and lim.low >= lim.high:
            raise ValueError(f"{sensor}_low = {lim.low:g} is not below {sensor}_high = {lim.high:g} (with the "
                             f"{p.name} profile): every reading would be out of range; set both so that low < high")
        if sensor not in LIMIT_SENSORS and not float(value) > 0:
            raise ValueError(f"{key} = {float(value):g} must be above 0: at 0 or below, its rule would fire on every "
                             "reading or never")
