# The device configuration (device.json on the board, the sim config on the
# unix port): defaults, and validation at boot.  A wrong value never stops the
# device (the pump must keep the animals' water moving): it is replaced by its
# default and reported, with what to do, in the retained status message
# ("config_errors") and as a "config" event.
from binascii import unhexlify

DEFAULTS: dict = {
    "tank": "tank1",
    "device": "esp32-1",
    "mqtt": {"host": "127.0.0.1", "port": 1883, "user": "", "password": "", "prefix": "aquamon",
             "keepalive_s": 30},
    "wifi": {"ssid": "", "password": ""},
    "interval_s": 60,
    "ring_capacity": 32,  # RAM: one cycle's messages, more only while the flash spool fails
    "backlog_per_cycle": 20,
    "level_low_cm": 10.0,
    "max_cycles": 0,  # 0 = run forever (device); the simulator sets a count
    "drain_timeout_s": 120,
    "status_every": 10,
    "state_dir": ".",
    "spool": {"segment_bytes": 32768, "max_segments": 8},  # 256 KB: ~29 h of readings at 1/min
    "pump": {"start_mode": "auto", "flow_min_lpm": 1.0, "flow_grace_s": 20, "retry_base_s": 60,
             "retry_max_s": 900, "max_faults_per_hour": 3, "max_on_s": 0, "rest_s": 300, "min_off_s": 10,
             "feed_max_min": 60, "check_flow": True},
    "cmd": {"window_s": 120, "cache": 16, "key": ""},  # 16 ids: ample within a 2-minute window
    # outlets the firmware drives itself (docs/hardware.md, "Outlets"); off unless enabled
    "heater": {"enabled": False, "set_c": 0.0, "hyst_c": 0.3, "cutoff_c": 29.0, "rearm_c": 1.0, "max_on_s": 7200,
               "min_off_s": 60, "stuck_n": 30, "disagree_c": 1.0},
    "topoff": {"enabled": False, "fill_below_cm": 27.0, "fill_to_cm": 29.0, "max_run_s": 300, "lpm": 1.0,
               "daily_cap_l": 5.0, "rise_s": 120, "min_rise_cm": 0.3, "float_fitted": False},
    "timers": [],  # [{"name": "light", "on": "08:00", "off": "20:00"}, ...] in local time (tz)
    "tz": "",  # a POSIX TZ rule, e.g. "CET-1CEST,M3.5.0,M10.5.0/3"; "": UTC + utc_offset_min
    "utc_offset_min": 0,
    "samples": 5,
    "poll_ms": 1000,
}

# (section, key) -> (type, min, max); a missing entry means "type of the default"
RANGES: dict = {
    ("", "interval_s"): (int, 1, 86400),
    ("", "ring_capacity"): (int, 1, 2000),
    ("", "backlog_per_cycle"): (int, 1, 1000),
    ("", "level_low_cm"): (float, 0.0, 200.0),
    ("", "max_cycles"): (int, 0, 1 << 30),
    ("", "drain_timeout_s"): (int, 0, 86400),
    ("", "status_every"): (int, 1, 100000),
    ("", "samples"): (int, 1, 31),
    ("", "poll_ms"): (int, 10, 60000),
    ("mqtt", "port"): (int, 1, 65535),
    ("mqtt", "keepalive_s"): (int, 5, 3600),
    ("spool", "segment_bytes"): (int, 256, 1 << 20),
    ("spool", "max_segments"): (int, 2, 64),
    ("pump", "flow_min_lpm"): (float, 0.0, 100.0),
    ("pump", "flow_grace_s"): (int, 0, 3600),
    ("pump", "retry_base_s"): (int, 0, 86400),
    ("pump", "retry_max_s"): (int, 0, 86400),
    ("pump", "max_faults_per_hour"): (int, 1, 60),
    ("pump", "max_on_s"): (int, 0, 7 * 86400),
    ("pump", "rest_s"): (int, 0, 86400),
    ("pump", "min_off_s"): (int, 0, 3600),
    ("pump", "feed_max_min"): (int, 1, 1440),
    ("cmd", "window_s"): (int, 5, 3600),
    ("cmd", "cache"): (int, 1, 256),
    ("heater", "set_c"): (float, 0.0, 35.0),
    ("heater", "hyst_c"): (float, 0.0, 5.0),
    ("heater", "cutoff_c"): (float, 15.0, 40.0),
    ("heater", "rearm_c"): (float, 0.0, 10.0),
    ("heater", "max_on_s"): (int, 0, 86400),
    ("heater", "min_off_s"): (int, 0, 3600),
    ("heater", "stuck_n"): (int, 0, 10000),
    ("heater", "disagree_c"): (float, 0.1, 10.0),
    ("topoff", "fill_below_cm"): (float, 0.5, 200.0),
    ("topoff", "fill_to_cm"): (float, 1.0, 200.0),
    ("topoff", "max_run_s"): (int, 10, 3600),
    ("topoff", "lpm"): (float, 0.01, 20.0),
    ("topoff", "daily_cap_l"): (float, 0.1, 200.0),
    ("topoff", "rise_s"): (int, 10, 3600),
    ("topoff", "min_rise_cm"): (float, 0.0, 20.0),
    ("", "utc_offset_min"): (int, -840, 840),
}
CHOICES: dict = {("pump", "start_mode"): ("auto", "maintenance", "off")}
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."
# tank and device ids: the alphabet of aquamon/ids.py, which the gateway and the broker's accounts enforce
ID_FIRST = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_CHARS = ID_FIRST + "_-"


def is_id(name):
    return isinstance(name, str) and 0 < len(name) <= 32 and name[0] in ID_FIRST and \
        not [c for c in name if c not in ID_CHARS]


def _where(section, key):
    # built only for an error message: validation runs at boot's heap peak
    return (section + "." if section else "") + key


def _check(section, key, value, default, errors):
    rng = RANGES.get((section, key))
    typ = type(default) if rng is None else rng[0]
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not typ:
        errors.append("%s must be %s, got %r: using %r" % (_where(section, key), typ.__name__, value, default))
        return default
    if rng is not None and not rng[1] <= value <= rng[2]:
        errors.append("%s must be between %s and %s, got %r: using %r"
                      % (_where(section, key), rng[1], rng[2], value, default))
        return default
    choices = CHOICES.get((section, key))
    if choices and value not in choices:
        errors.append("%s must be one of %s, got %r: using %r"
                      % (_where(section, key), ", ".join(choices), value, default))
        return default
    return value


def minutes(text):
    """"HH:MM" -> minutes after midnight; ValueError otherwise."""
    h, m = text.split(":")
    h, m = int(h), int(m)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError
    return h * 60 + m


def _clock(text, i, sign):
    # [+-]hh[:mm[:ss]] at text[i:] -> (minutes times sign, the index after it); seconds are dropped
    if text[i:i + 1] in ("+", "-"):
        if text[i] == "-":
            sign = -sign
        i += 1
    parts = [0, 0, 0]
    for n in range(3):
        j = i
        while i < len(text) and text[i].isdigit():
            i += 1
        if j == i or i - j > 3:
            raise ValueError
        parts[n] = int(text[j:i])
        if text[i:i + 1] != ":" or n == 2:
            break
        i += 1
    if parts[1] > 59 or parts[2] > 59:
        raise ValueError
    return sign * (parts[0] * 60 + parts[1]), i


def _zone_name(text, i):
    # a zone abbreviation at text[i:]: 3+ letters, or <...> (e.g. "<+0330>"); the index after it
    if text[i:i + 1] == "<":
        j = text.index(">", i)
        if j - i < 4:
            raise ValueError
        return j + 1
    j = i
    while i < len(text) and text[i].isalpha():
        i += 1
    if i - j < 3:
        raise ValueError
    return i


def tz_rule(text):
    """A POSIX TZ rule -> (std, dst, start, end) for firmware/tzrule.py: offsets in minutes east of UTC,
    start and end (month, week, weekday, minute), month 0 for "Jn" (week 1) and "n" (week 0); or, for a
    zone without daylight saving, its offset alone (an int).  ValueError when it is not one.
    "CET-1CEST,M3.5.0,M10.5.0/3" -> (60, 120, (3, 5, 0, 120), (10, 5, 0, 180))."""
    i = _zone_name(text, 0)
    std, i = _clock(text, i, -1)  # POSIX counts west of UTC: "CET-1" is UTC+1
    if i == len(text):
        return std
    i = _zone_name(text, i)
    dst = std + 60
    if text[i:i + 1] != ",":
        dst, i = _clock(text, i, -1)
    rules = []
    for r in text[i + 1:].split(",") if text[i:i + 1] == "," else ():
        day, _, at = r.partition("/")
        t = _clock(at, 0, 1) if at else (120, 0)
        if at and (t[1] != len(at) or not -167 * 60 <= t[0] <= 167 * 60):
            raise ValueError
        if day[:1] == "M":
            m, w, d = [int(x) for x in day[1:].split(".")]
            if not (1 <= m <= 12 and 1 <= w <= 5 and 0 <= d <= 6):
                raise ValueError
            rules.append((m, w, d, t[0]))
        else:
            julian = day[:1] == "J"
            n = int(day[1:] if julian else day)
            if not (1 if julian else 0) <= n <= 365:
                raise ValueError
            rules.append((0, 1 if julian else 0, n, t[0]))
    if len(rules) != 2:
        raise ValueError
    return std, dst, rules[0], rules[1]


def _outlets(out, errors):
    # the outlets' sections -> the tuples firmware/outlets.py takes (None: not enabled), in its
    # units: hundredths of a degree C, mm, ms, ml; timers -> ((name, on minute, off minute), ...)
    h = out["heater"]
    if h["enabled"] and h["set_c"] >= h["cutoff_c"]:
        errors.append("heater.set_c must be below heater.cutoff_c: the heater stays off")
    elif h["enabled"]:
        thermostat = h["set_c"] > 0.0
        out["heater"] = (round(h["set_c"] * 100), round(h["hyst_c"] * 100), round(h["cutoff_c"] * 100),
                         round(h["rearm_c"] * 100), h["max_on_s"] * 1000 if thermostat else 0, h["min_off_s"] * 1000,
                         h["stuck_n"], round(h["disagree_c"] * 100))
    if not isinstance(out["heater"], tuple):
        out["heater"] = None
    t = out["topoff"]
    if t["enabled"] and not out["level_low_cm"] < t["fill_below_cm"] < t["fill_to_cm"]:
        errors.append("topoff needs level_low_cm < topoff.fill_below_cm < topoff.fill_to_cm: top-off stays off")
    elif t["enabled"]:
        out["topoff"] = (round(t["fill_below_cm"] * 10), round(t["fill_to_cm"] * 10), t["max_run_s"] * 1000,
                         round(t["lpm"] * 1000), round(t["daily_cap_l"] * 1000), t["rise_s"] * 1000,
                         round(t["min_rise_cm"] * 10), t["float_fitted"])
    if not isinstance(out["topoff"], tuple):
        out["topoff"] = None
    timers = []
    for t in out["timers"]:
        try:
            name = t["name"]
            if not name or [c for c in name if c not in NAME_CHARS] or name in ("pump", "heater", "topoff"):
                raise ValueError
            timers.append((name, minutes(t["on"]), minutes(t["off"])))
        except (TypeError, KeyError, ValueError, AttributeError):
            errors.append('timers: each must be {"name": "light", "on": "08:00", "off": "20:00"} with a name of '
                          'letters, digits, "_", "-" (not pump, heater or topoff); got %r: ignored' % (t,))
    out["timers"] = tuple(timers)
    text = out["tz"]
    out["tz"] = out["utc_offset_min"]
    if text:
        try:
            out["tz"] = tz_rule(text)
        except (ValueError, IndexError):
            errors.append('tz must be a POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3" (the last line of '
                          "/usr/share/zoneinfo/<Region/City> on Linux), got %r: using UTC%+d min (utc_offset_min)"
                          % (text, out["utc_offset_min"]))


def validate(cfg):
    """Return (config with defaults filled in, list of error messages)."""
    errors: list = []
    out: dict = {}
    if not isinstance(cfg, dict):
        return validate({})[0], ["the configuration must be a JSON object: using all defaults"]
    for key, default in DEFAULTS.items():
        if isinstance(default, dict):
            given = cfg.get(key, {})
            if not isinstance(given, dict):
                errors.append("%s must be an object: using defaults" % key)
                given = {}
            sec: dict = {}
            for k, d in default.items():
                sec[k] = _check(key, k, given[k], d, errors) if k in given else d
            for k in given:
                if k not in default:
                    errors.append("unknown key %s.%s (ignored): check the spelling against device.example.json"
                                  % (key, k))
            out[key] = sec
        else:
            out[key] = _check("", key, cfg[key], default, errors) if key in cfg else default
    for key in ("tank", "device"):
        name = out[key]
        if not is_id(name):
            errors.append("%s must be letters a-z, digits, '_' and '-' (1 to 32, starting with a letter or digit: "
                          "the gateway refuses any other), got %r: using %r" % (key, name, DEFAULTS[key]))
            out[key] = DEFAULTS[key]
    # the command key (secrets.py): 64 hex digits, or text of >= 16 bytes; to bytes here, at
    # boot, so cmdauth (loaded per command) carries no code for it
    text = out["cmd"]["key"].strip()
    secret = text.encode()
    if len(text) >= 32 and len(text) % 2 == 0:
        try:
            secret = unhexlify(text)
        except ValueError:
            pass
    if secret and len(secret) < 16:
        errors.append("the command key must be at least 16 bytes (see firmware/secrets.example.py): "
                      "commands are disabled")
        secret = b""
    out["cmd"]["key"] = secret
    _outlets(out, errors)
    for key in cfg:
        if key not in DEFAULTS and key not in ("sim", "sensors", "pins", "calibration"):
            errors.append("unknown key %s (ignored): check the spelling against device.example.json" % key)
    for key in ("sim", "sensors", "pins", "calibration"):
        if key in cfg:
            out[key] = cfg[key]
    return out, errors
