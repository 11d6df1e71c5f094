"""The timers' local time from a POSIX TZ rule (firmware/devconfig.tz_rule parses it at boot,
firmware/tzrule.py computes it on the device): held to CPython's zoneinfo for zones of both
hemispheres, half- and quarter-hour offsets and a negative daylight saving, at random instants
over a year and at every transition, under CPython and under the real MicroPython binary."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aquamon.checkout import FIRMWARE_DIR

sys.path.insert(0, str(FIRMWARE_DIR))
import devconfig  # firmware modules, importable under CPython
import tzrule
from test_firmware_micropython import run_mpy

# zones whose rule (the POSIX footer of their TZif file) is the one in force in 2025-2027
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "America/St_Johns", "Asia/Kolkata",
         "Pacific/Auckland", "Europe/London", "Asia/Tehran", "America/Sao_Paulo", "Pacific/Chatham",
         "Europe/Dublin")
DST_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "America/St_Johns", "Pacific/Auckland",
             "Europe/London", "Pacific/Chatham", "Europe/Dublin")
START = int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()) // 60  # minutes since 1970
YEAR_MIN = 3 * 365 * 1440


def footer(zone: str) -> str:
    """The zone's POSIX TZ rule: the last line of its TZif file (what the keeper copies into device.json)."""
    path = next((Path(d) / zone for d in ("/usr/share/zoneinfo", "/usr/lib/zoneinfo") if (Path(d) / zone).exists()),
                None)
    if path is None:
        pytest.skip(f"no TZif file for {zone} on this machine (install tzdata)")
    return path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[1].decode()


def zoneinfo_minute(zone: str, utc_min: int) -> int:
    off = datetime.fromtimestamp(utc_min * 60, ZoneInfo(zone)).utcoffset()
    assert off is not None
    return utc_min + int(off.total_seconds()) // 60


def firmware_minute(rule: str, utc_min: int) -> int:
    tz = devconfig.tz_rule(rule)
    return utc_min + tz if isinstance(tz, int) else tzrule.local_minute(utc_min, tz)


def transitions(zone: str) -> list[int]:
    """The UTC minutes at which the zone's offset changes in 2025-2027 (from zoneinfo, hour by hour)."""
    def offset(m: int) -> int:
        return zoneinfo_minute(zone, m) - m

    out = []
    for h in range(YEAR_MIN // 60):
        lo, hi = START + h * 60, START + h * 60 + 60
        before = offset(lo)
        if offset(hi) != before:
            while hi - lo > 1:  # the first minute of the new offset
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == before else (lo, mid)
            out.append(hi)
    return out


def test_the_rule_is_parsed_as_documented() -> None:
    assert devconfig.tz_rule("CET-1CEST,M3.5.0,M10.5.0/3") == (60, 120, (3, 5, 0, 120), (10, 5, 0, 180))
    assert devconfig.tz_rule("<+0330>-3:30") == 210 and devconfig.tz_rule("EST5") == -300
    assert devconfig.tz_rule("XST3XDT2,J60/1:30,300") == (-180, -120, (0, 1, 60, 90), (0, 0, 300, 120))


@pytest.mark.parametrize("text", ["", "CET", "C-1", "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                                  "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365",
                                  "CET-1CEST,M3.5.0/x,M10.5.0", "CET-1:60", "<+1>-1", "CET-1CEST,M3.5.0,M10.5.0,J1"])
def test_a_wrong_rule_is_refused(text: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        devconfig.tz_rule(text)


def test_the_device_config_reports_a_wrong_rule_and_keeps_the_fixed_offset() -> None:
    cfg, errors = devconfig.validate({"tz": "Europe/Berlin", "utc_offset_min": 60})
    assert cfg["tz"] == 60 and len(errors) == 1 and "POSIX TZ rule" in errors[0] and "utc_offset_min" in errors[0]
    cfg, errors = devconfig.validate({"utc_offset_min": -300})  # back-compat: no tz, the fixed offset
    assert cfg["tz"] == -300 and errors == []
    cfg, errors = devconfig.validate({"tz": "CET-1CEST,M3.5.0,M10.5.0/3", "utc_offset_min": 600})
    assert cfg["tz"] == (60, 120, (3, 5, 0, 120), (10, 5, 0, 180)) and errors == []  # the rule wins


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.integers(0, YEAR_MIN))
def test_local_time_matches_zoneinfo_over_the_years(zone: str, minute: int) -> None:
    utc_min = START + minute
    assert firmware_minute(footer(zone), utc_min) == zoneinfo_minute(zone, utc_min), (zone, utc_min)


@pytest.mark.parametrize("zone", DST_ZONES)
def test_local_time_matches_zoneinfo_around_every_transition(zone: str) -> None:
    edges = transitions(zone)
    assert len(edges) == 6  # two a year, found: the comparison below is not vacuous
    for t in edges:
        for utc_min in (t - 61, t - 1, t, t + 1, t + 60):
            assert firmware_minute(footer(zone), utc_min) == zoneinfo_minute(zone, utc_min), (zone, utc_min)


@pytest.mark.micropython
def test_the_real_micropython_binary_computes_the_same_local_times() -> None:
    """The device's code on the device's interpreter: every zone, hourly over 2026 and at each transition."""
    cases = []
    for zone in ZONES:
        start = START + 365 * 1440
        minutes = [start + 60 * h + 7 for h in range(365 * 24)] + [t + d for t in transitions(zone) for d in (-1, 0)]
        cases.append((footer(zone), minutes))
    stdin = "\n".join(rule + " " + ",".join(map(str, ms)) for rule, ms in cases)
    code = ("import sys, devconfig, tzrule\n"
            "for line in sys.stdin.read().split('\\n'):\n"
            "    rule, ms = line.split(' ')\n"
            "    tz = devconfig.tz_rule(rule)\n"
            "    out = [(m + tz if isinstance(tz, int) else tzrule.local_minute(m, tz)) - m for m in\n"
            "           [int(x) for x in ms.split(',')]]\n"
            "    print(','.join([str(x) for x in out]))\n")
    r = run_mpy(["-c", code], stdin=stdin, timeout=120, heap="8m")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert len(lines) == len(ZONES)
    for (rule, minutes), zone, line in zip(cases, ZONES, lines):
        got = [int(x) for x in line.split(",")]
        want = [zoneinfo_minute(zone, m) - m for m in minutes]
        bad = [(datetime(1970, 1, 1) + timedelta(minutes=m), g, w) for m, g, w in zip(minutes, got, want) if g != w]
        assert not bad, (zone, rule, bad[:3])
