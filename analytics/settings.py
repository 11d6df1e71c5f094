"""The engine's settings from the configuration: the global ones, and each tank's own (``[alerts.tanks]``).

Tanks that share a profile table share one :class:`~analytics.monitor.MonitorSettings`
object, so their saved states are restored in one batch
(:meth:`TankSettings.groups`).

Examples
--------
>>> from aquamon.config import load_config_text
>>> per_tank = TankSettings(load_config_text('[alerts.tanks."cold-*"]\\nprofile = "cold-water"\\n'))
>>> per_tank.of("reef-1") is per_tank.base, per_tank.of("cold-1").profile
(True, 'cold-water')
>>> per_tank.groups(["cold-1", "reef-1", "cold-2"])
[['cold-1', 'cold-2'], ['reef-1']]
"""

from __future__ import annotations

from analytics.monitor import MonitorSettings
from analytics.routing import settings_for
from analytics.state import settings_fingerprint
from aquamon.config import Config


def settings_from(cfg: Config) -> MonitorSettings:
    """The global :class:`MonitorSettings` of ``[analytics]`` and ``[alerts]``.

    The one place a configuration becomes the engine's settings: the service
    (:class:`TankSettings`), ``aquamon evaluate`` and ``aquamon replay`` all
    take theirs from here, so the engine they run is built alike (the quality
    watch's stated rate too: ``[analytics] quality_false_alarms_per_day``).

    >>> from aquamon.config import Config
    >>> settings_from(Config()).quality_false_alarms_per_day
    0.5
    """
    a, al = cfg.analytics, cfg.alerts
    limits = al.limit_overrides()
    # the [analytics] rate options predate profiles: they override the profile when changed
    for key, default in (("temp_rise_c_per_h", 2.0), ("temp_fall_c_per_h", 2.0)):
        if getattr(a, key) != default:
            limits.setdefault(key, getattr(a, key))
    return MonitorSettings(window_minutes=a.window_minutes, reference_hours=a.reference_hours,
                           warmup_hours=a.warmup_hours, harmonics=a.harmonics,
                           false_alarms_per_30_days=a.false_alarms_per_30_days, profile=al.profile,
                           quality_false_alarms_per_day=a.quality_false_alarms_per_day,
                           limits=limits, temp_rate_minutes=a.rate_window_minutes,
                           no_data_minutes=al.no_data_minutes, accept_after_hours=al.accept_after_hours,
                           due_days=al.due_days, time_zone=al.time_zone,
                           utc_offset_minutes=al.utc_offset_minutes)


class TankSettings:
    """Each tank's settings: its ``[alerts.tanks]`` profile and limits, else the global ones (:attr:`base`)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.base = settings_from(cfg)
        self._known: dict[str, MonitorSettings] = {}  # by tank, and by fingerprint

    def of(self, tank: str) -> MonitorSettings:
        if tank not in self._known:
            own = settings_for(self.cfg, tank, self.base)
            # one object per distinct settings: tanks sharing a table are restored in one batch
            self._known[tank] = self._known.setdefault(settings_fingerprint(own), own)
        return self._known[tank]

    def groups(self, tanks: list[str]) -> list[list[str]]:
        """``tanks`` grouped by their settings, in order of first appearance."""
        by_settings: dict[int, list[str]] = {}
        for tank in tanks:
            by_settings.setdefault(id(self.of(tank)), []).append(tank)
        return list(by_settings.values())
