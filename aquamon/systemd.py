"""The systemd units ``aquamon init`` installs: gateway, analytics, and the optional Home Assistant
bridge, each as the dedicated system user ``aquamon``, restarted whatever way it stops, and fenced
in by systemd's sandboxing (read-only system, no new privileges, no devices, no kernel tunables).

``deploy/systemd/`` holds the same units rendered with the defaults, for reading and for a manual
install (a test keeps them equal to :func:`unit_text`).

>>> text = unit_text("gateway", "/opt/aquamon/bin/aquamon", "/etc/aquamon")
>>> "ExecStart=/opt/aquamon/bin/aquamon gateway --config /etc/aquamon/aquamon.toml" in text
True
>>> "Restart=always" in text and "ProtectSystem=strict" in text and "NoNewPrivileges=yes" in text
True
"""

from __future__ import annotations

USER = "aquamon"
PARTS: dict[str, str] = {
    "gateway": "aquamon gateway: MQTT readings, validated, into InfluxDB",
    "analytics": "aquamon analytics: drift, rules and alerts for every tank",
    "homeassistant": "aquamon Home Assistant bridge: MQTT discovery of every tank",
}
# The gateway keeps its spool here (StateDirectory: created, owned by the user, writable
# under ProtectSystem=strict).
STATE_DIR = "/var/lib/aquamon"


def unit_name(part: str) -> str:
    return f"aquamon-{part}.service"


def unit_text(part: str, exe: str, etc_dir: str, user: str = USER) -> str:
    """The unit of one part; ``exe`` is the ``aquamon`` command, ``etc_dir`` holds aquamon.toml and
    the part's environment file (its broker password)."""
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; one of {', '.join(PARTS)}")
    after = "network-online.target mosquitto.service" + (" influxdb.service" if part != "homeassistant" else "")
    influx_env = ("# its InfluxDB account, when aquamon init made one (aquamon.influx_auth)\n"
                  f"EnvironmentFile=-{etc_dir}/influxdb.env\n") if part != "homeassistant" else ""
    return f"""# Installed by `aquamon init` (docs/install.md).  Local changes: systemctl edit {unit_name(part)}
[Unit]
Description={PARTS[part]}
Documentation=man:systemd.exec(5)
After={after}
Wants=network-online.target
# never give up: a broker or database that comes back later is picked up again
StartLimitIntervalSec=0

[Service]
Type=simple
User={user}
Group={user}
# the part's broker account: AQUAMON_MQTT_USERNAME / AQUAMON_MQTT_PASSWORD (0600, root)
EnvironmentFile={etc_dir}/{part}.env
{influx_env}ExecStart={exe} {part} --config {etc_dir}/aquamon.toml
Restart=always
RestartSec=5
StateDirectory=aquamon
StateDirectoryMode=0750
UMask=0027
# sandbox
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=

[Install]
WantedBy=multi-user.target
"""
