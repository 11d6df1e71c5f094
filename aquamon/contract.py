"""The server side's one contract: topics, sensors, their ranges and words, measurements, event kinds.

Every part reads its tables here: the gateway validates against them
(``gateway/validate.py``, ``gateway/fastpath.py``), the analytics name the
readings with them, the report, the web pages, the Home Assistant bridge and
the Grafana generator list the sensors from them.  Adding a sensor is one
:class:`Sensor` in :data:`SENSORS` (and the firmware's own small tables,
``firmware/payload.py`` and ``firmware/sensors.py``, which run on MicroPython and
cannot import this; ``tests/test_contract.py`` holds them to it).

>>> SENSORS["temp_c"].unit, RANGES["ph"]
('°C', (3.0, 11.0))
>>> water_topic("aquamon", "tank1", "esp1", "telemetry")
'aquamon/tank1/esp1/telemetry'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# -- topics: {prefix}/{tank}/{device}/{kind}; commands and their acks: aquamon/commands.py ---------------

#: what a device publishes; the last topic level
MESSAGE_KINDS = ("telemetry", "status", "event")


def water_topic(prefix: str, tank: str, device: str, kind: str) -> str:
    """The topic a device publishes ``kind`` on."""
    return f"{prefix.rstrip('/')}/{tank}/{device}/{kind}"


# -- sensors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensor:
    """One reading a device sends in its telemetry's ``"r"`` and the gateway stores in ``water``.

    Parameters
    ----------
    key : str
        The JSON member and the InfluxDB field (letters, digits, ``_``).
    label : str
        The keeper's word for it inside a sentence ("the sump level is falling").
    title : str
        The keeper's word for it as a heading (report, web, Home Assistant, Grafana).
    unit : str
        The unit as a keeper reads it; ``""`` for none (pH).
    decimals : int
        Decimals shown to a keeper.
    lo, hi : float
        The one range: a value outside is a faulty probe, not water.  The firmware
        marks it ``bad``; the gateway drops it (``out_of_range``) and keeps the rest.
    why : str
        The reason for the limits.
    shown : bool
        Listed to the keeper and read by the analytics; ``False`` for a reading only
        stored for the devices that send it.
    """

    key: str
    label: str
    title: str
    unit: str
    decimals: int
    lo: float
    hi: float
    why: str
    shown: bool = True


#: every sensor, in the order a keeper sees them
SENSORS: dict[str, Sensor] = {s.key: s for s in (
    Sensor("temp_c", "temperature", "Temperature", "°C", 2, 0.0, 45.0,
           "below 0 °C tank water is ice and above 45 °C nothing kept in it lives; a DS18B20 outside is "
           "a fault (85 °C is its power-on value)"),
    Sensor("ph", "pH", "pH", "", 2, 3.0, 11.0,
           "no fresh, brackish or sea water kept with life is below 3 or above 11; outside is a dry, "
           "broken or unplugged analog probe at its rail"),
    Sensor("tds_ppm", "TDS", "TDS", "ppm", 0, 0.0, 5000.0,
           "0 is pure water; above 5000 ppm is past the analog TDS probe's scale (sea water needs a "
           "salinity probe)"),
    Sensor("turb_ntu", "turbidity", "Turbidity", "NTU", 2, 0.0, 3000.0,
           "the analog turbidity sensor's scale ends at 3000 NTU"),
    Sensor("level_cm", "sump level", "Water level", "cm", 1, 0.0, 200.0,
           "the ultrasonic sensor hangs over a sump or tank; beyond 2 m it hears a stray echo"),
    Sensor("flow_lpm", "filter flow", "Filter flow", "l/min", 1, 0.0, 200.0,
           "a hall-effect flow sensor on a filter line reads up to tens of l/min; beyond 200 is noise on "
           "its pulse pin"),
    Sensor("ec_us_cm", "conductivity", "Conductivity", "µS/cm", 0, 0.0, 20000.0,
           "a freshwater EC probe's scale; the reference firmware has none: stored for devices that send it",
           shown=False),
)}


class _Ranges(Mapping[str, tuple[float, float]]):
    """``{key: (lo, hi)}``, read from :data:`SENSORS` at each use (a sensor added there is in here)."""

    def __getitem__(self, key: str) -> tuple[float, float]:
        s = SENSORS[key]
        return s.lo, s.hi

    def __iter__(self) -> Iterator[str]:
        return iter(SENSORS)

    def __len__(self) -> int:
        return len(SENSORS)


#: the one range table, ``{key: (lo, hi)}``; the reason for each is ``SENSORS[key].why``
RANGES: Mapping[str, tuple[float, float]] = _Ranges()


def shown_sensors() -> list[Sensor]:
    """The sensors a keeper sees (report, web, Home Assistant, Grafana) and the analytics read."""
    return [s for s in SENSORS.values() if s.shown]


# -- what else a telemetry document carries (firmware/payload.py) ----------------------------------------

#: telemetry members beside the readings, stored in ``water`` under the same name
#: (``bad``/``cal``: comma-separated sensor keys; ``pump``/``heater``/``topoff``: 0 or 1; ``seq``)
TELEMETRY_FIELDS = ("bad", "cal", "pump", "heater", "topoff", "seq")

#: status members counting the signed commands a device dropped or refused, by cause (optional: sent by a
#: device with a command key; firmware/app.py): bad signature, replay, stale (outside the time window or
#: before NTP time), unknown action, malformed, dropped in a flood (its queue full)
STATUS_COMMAND_COUNTERS = ("cmd_bad_sig", "cmd_replay", "cmd_stale", "cmd_unknown", "cmd_malformed", "cmd_flood")

# -- event kinds --------------------------------------------------------------------------------------

#: the event kinds the firmware sends (firmware/app.py, pump.py, outlets.py; tests/test_contract.py checks
#: the firmware against this set); each is a tag value, so one series per device and kind: a kind outside
#: this set is stored as OTHER_EVENT_KIND (gateway/validate.py)
EVENT_KINDS = frozenset({
    "config", "storage", "mode", "fault", "interlock", "interlock_clear", "lockout", "lockout_clear",  # pump, device
    "heater_cutoff", "heater_fallback", "heater_resume",  # heater outlet
    "topoff_lockout", "topoff_cap", "topoff_clear", "outlet",  # top-off and outlet commands
    "calibration_start", "calibration_end",  # probes under calibration
})
OTHER_EVENT_KIND = "other"
#: an event's optional "cause" (an id, stored as the event's field ``cause``): which of a kind's causes it is
EVENT_CAUSES = {"heater_fallback": ("probe_missing", "probe_stuck", "probes_disagree", "max_on")}

# -- measurements in InfluxDB: name -> (who writes it, what it holds) ------------------------------------

WATER = "water"
DEVICE = "device"
EVENT = "event"
MEASUREMENTS: dict[str, tuple[str, str]] = {
    WATER: ("gateway", "tags tank, device; the SENSORS keys and TELEMETRY_FIELDS"),
    DEVICE: ("gateway", "tags tank, device; online, rssi, mem_free, backlog, boot, dropped, fw, "
                        "STATUS_COMMAND_COUNTERS"),
    EVENT: ("gateway", "tags tank, device, kind (EVENT_KINDS); detail, seq, cause (EVENT_CAUSES)"),
    "gateway": ("gateway", "tag instance; the gateway's own counters"),
    "score": ("analytics", "tags tank, shard; drift scores per window"),
    "alert": ("analytics", "tags tank, key, severity; state, summary, value"),
    "forecast": ("analytics", "tags tank, sensor; when a reading will cross its limit"),
    "summary": ("analytics", "tag tank; the daily summary"),
    "notify_state": ("analytics", "tag tank; what the pager has sent, restored after a restart"),
}
