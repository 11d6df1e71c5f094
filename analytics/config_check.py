"""The analytics' own checks of the ``[alerts]`` and ``[notify]`` sections.

The base (:mod:`aquamon.config`) knows the schema and plain ranges; what a
profile name, a quiet-hours span, a time zone or an Apprise URL means is the
analytics' knowledge, so it is checked here.  The analytics run these checks
when they start, and ``aquamon check-config`` / ``aquamon init`` run them
together with the base's (one error listing every problem)::

    load_config(path, checks=CHECKS)

The gateway does not import this module: it needs neither numpy, scipy nor
Apprise to start.
"""

from __future__ import annotations

from aquamon.config import Config, ConfigError, check_sections


def check_alerts(cfg: Config) -> None:
    """Check ``[alerts]``: the profile and limits, quiet hours, the time zone, the per-tank table."""
    from analytics.notify_policy import NotifyPolicy, zone_named
    from analytics.profiles import get_profile
    from analytics.routing import check_tables, tank_alert_settings

    al = cfg.alerts
    try:
        get_profile(al.profile, al.limit_overrides())
        NotifyPolicy(al.quiet_hours).quiet(0)
        if al.time_zone:
            zone_named(al.time_zone)
        check_tables("alerts", al.tanks, ("profile", "limits"))
        for pattern in al.tanks:
            profile, limits = tank_alert_settings(pattern, al.profile, al.limits, al.tanks)
            get_profile(profile, al.limit_overrides(limits))
    except ConfigError:
        raise
    except ValueError as e:
        raise ConfigError(f"[alerts] {e}") from None


def check_notify(cfg: Config) -> None:
    """Check ``[notify]``: the Apprise URLs of every route and the notification policy."""
    from analytics.notify_policy import NotifyPolicy
    from analytics.routing import RoutedSender, Routes

    n = cfg.notify
    try:
        RoutedSender(Routes({"critical": n.critical, "warning": n.warning, "info": n.info}, n.tanks))
        NotifyPolicy("", critical_per_incident=n.critical_per_incident,
                     reminders_per_incident=n.reminders_per_incident, all_clear=n.all_clear,
                     summary_time=n.summary_time)
    except ValueError as e:
        raise ConfigError(str(e) if str(e).startswith("[") else f"[notify] {e}") from None


CHECKS = (check_alerts, check_notify)


def check_analytics_config(cfg: Config) -> None:
    """Run :data:`CHECKS` on a loaded config; one :class:`ConfigError` lists every problem."""
    check_sections(cfg, CHECKS)
