"""The notification settings: named time zones (and the deprecated fixed offset), the budget, per-tank
profiles, limits and URLs, each refused with a message naming the key."""

from __future__ import annotations

import logging

import pytest

from analytics.config_check import CHECKS
from analytics.notify_policy import NotifyPolicy, keeper_zone, zone_named
from analytics.pager import policy_from
from analytics.routing import settings_for
from aquamon.config import ConfigError, load_config_text, to_toml

HOUR = 3_600_000
SPRING = 1_774_656_000_000  # 2026-03-28 00:00 UTC: Berlin moves its clocks forward on the 29th
AUTUMN = 1_792_800_000_000  # 2026-10-24 00:00 UTC: ... and back on the 25th


def _quiet_end_utc_hour(p: NotifyPolicy, night_ms: int) -> float:
    return (p.quiet_ends(night_ms) - night_ms // 86_400_000 * 86_400_000) / HOUR


def test_quiet_hours_follow_the_clock_change_of_a_named_zone() -> None:
    p = NotifyPolicy("22:00-07:00", zone_named("Europe/Berlin"))
    # 07:00 in Berlin: 06:00 UTC in winter time, 05:00 UTC in summer time
    assert _quiet_end_utc_hour(p, SPRING + 3 * HOUR) == 6.0
    assert _quiet_end_utc_hour(p, SPRING + 86_400_000 + 3 * HOUR) == 5.0
    assert _quiet_end_utc_hour(p, AUTUMN + 3 * HOUR) == 5.0
    assert _quiet_end_utc_hour(p, AUTUMN + 86_400_000 + 3 * HOUR) == 6.0
    # a fixed offset is an hour off for half the year
    with pytest.warns(DeprecationWarning):
        fixed = NotifyPolicy("22:00-07:00", keeper_zone("", 60))
    assert _quiet_end_utc_hour(fixed, SPRING + 86_400_000 + 3 * HOUR) == 6.0


def test_the_time_zone_is_configured_by_name_and_the_offset_still_works_deprecated(
        caplog: pytest.LogCaptureFixture) -> None:
    cfg = load_config_text('[alerts]\ntime_zone = "America/New_York"\n')
    assert policy_from(cfg).zone.key == "America/New_York"
    with pytest.raises(ConfigError, match=r"\[alerts\] time_zone 'Mars/Olympus' is not a time zone name"):
        load_config_text('[alerts]\ntime_zone = "Mars/Olympus"\n', checks=CHECKS)
    with pytest.raises(ConfigError, match=r"\[alerts\] utc_offset_minutes: set time_zone or utc_offset_minutes"):
        load_config_text('[alerts]\ntime_zone = "UTC"\nutc_offset_minutes = 60\n')
    old = load_config_text("[alerts]\nutc_offset_minutes = 120\n")
    with caplog.at_level(logging.WARNING, "aquamon.notify"), pytest.warns(DeprecationWarning):
        zone = policy_from(old).zone
    assert zone.utcoffset(None).total_seconds() == 7200
    assert "utc_offset_minutes is deprecated" in caplog.text and 'time_zone = "Region/City"' in caplog.text


@pytest.mark.parametrize("text, message", [
    ('[notify]\nall_clear = "loud"', "[notify] all_clear 'loud': use one of quiet, send, none"),
    ("[notify]\ncritical_per_incident = 0", "[notify] critical_per_incident must be at least 1"),
    ('[notify]\nsummary_time = "7"', "[notify] summary_time '7' must be a time like 07:30"),
    ('[notify.tanks."t*"]\ncritical = ["nonsense"]', "'nonsense' is not a notification URL"),
    ('[notify.tanks."t*"]\nurgent = []', '[notify.tanks."t*"] urgent: unknown key; allowed keys: critical'),
    ('[alerts.tanks."t*"]\nprofile = "reef"', "[alerts] unknown tank profile 'reef'"),
    ('[alerts.tanks."t*"]\nlimits = ["ph_low 6"]', "[alerts] limits: 'ph_low 6' must look like"),
    ('[alerts]\ntanks = 3', "[alerts] tanks: must be a table"),
])
def test_bad_notification_settings_are_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config_text(text, checks=CHECKS)
    assert message in str(e.value)


def test_a_tank_group_has_its_own_profile_and_limits() -> None:
    cfg = load_config_text("""
[alerts]
limits = ["ph_low = 6.4"]
[alerts.tanks."cold-*"]
profile = "cold-water"
limits = ["temp_c_high = 19"]
[alerts.tanks."cold-3"]
profile = "turtle"
""")
    assert load_config_text(to_toml(cfg)).alerts.tanks == cfg.alerts.tanks  # handed to child services as TOML
    base = settings_for(cfg, "reef-1")
    cold = settings_for(cfg, "cold-1")
    assert (base.profile, base.limits) == ("tropical", {"ph_low": 6.4})
    assert (cold.profile, cold.limits) == ("cold-water", {"ph_low": 6.4, "temp_c_high": 19.0})
    assert settings_for(cfg, "cold-3").profile == "turtle"  # its exact name before the pattern


def test_the_analytics_give_each_tank_its_own_monitor_settings() -> None:
    from analytics.service import Analytics

    cfg = load_config_text('[alerts.tanks."cold-*"]\nprofile = "cold-water"\n')
    a = Analytics(cfg)  # no I/O until run()
    assert a.settings_for("reef-1") is a.settings
    assert a.settings_for("cold-1").profile == "cold-water"
    assert a.settings_for("cold-2") is a.settings_for("cold-1")  # one group: restored in one batch
    a.link.heard("aquamon/cold-1/d1/status", b'{"online": true}')  # a device heard before any data
    a._take_heard()  # ... its monitor is made
    assert a.monitors["cold-1"].settings.profile == "cold-water"


def test_each_part_checks_its_own_sections(tmp_path) -> None:
    """The base loads a file whose [notify] only the analytics can judge; the analytics refuse it at start."""
    from analytics.service import main
    from aquamon.configcheck import check_config_file  # the shell runs every part's checks

    text = '[notify]\ncritical = ["nonsense"]\n'
    cfg = load_config_text(text)  # what the gateway loads: it has no business with Apprise URLs
    with pytest.raises(ConfigError, match="'nonsense' is not a notification URL"):
        main(cfg)  # refused before any connection is tried
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(ConfigError, match="'nonsense' is not a notification URL"):
        check_config_file(tmp_path / "a.toml")  # aquamon check-config
