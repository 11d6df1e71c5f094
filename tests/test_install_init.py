"""`aquamon init` sets up a working, boot-started site: on real Mosquitto and InfluxDB, into a temporary
root, with its systemd units checked by systemd itself (`systemd-analyze verify`)."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from aquamon import retention, systemd
from aquamon.auth import Account, AccountStore
from aquamon.config import load_config
from aquamon.influx import InfluxV1
from aquamon.init import InitError, Installer, Site, mosquitto_conf, render_config, user_exists
from harness.services import InfluxDB1, ManagedProcess, connack_code, free_port, port_open, spawn, wait_until
from harness.stack import wait_for, wait_gateway_online

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "aquamon")


def verify(units: list[Path]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.fail("systemd-analyze is not installed: run 'make test' (it installs Debian's systemd package)")
    return subprocess.run([exe, "verify", *map(str, units)], capture_output=True, text=True, timeout=120)


def run_init(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aquamon", "init", "--root", str(root), "--exec", EXE,
                           "--tanks", "reef,shrimp", "--profile", "tropical", "--timezone", "Europe/Berlin", *args],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def env_of(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    units = []
    for part in systemd.PARTS:
        (tmp_path / f"{part}.env").write_text("")
        units.append(tmp_path / systemd.unit_name(part))
        units[-1].write_text(systemd.unit_text(part, EXE, str(tmp_path)))
    r = verify(units)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
    for u in units:
        text = u.read_text()
        for option in ("User=aquamon", "Restart=always", "ProtectSystem=strict", "NoNewPrivileges=yes",
                       "ProtectHome=yes", "WantedBy=multi-user.target", "StateDirectory=aquamon"):
            assert option in text, (u.name, option)


def test_verify_fails_on_a_unit_whose_program_is_missing(tmp_path: Path) -> None:
    unit = tmp_path / systemd.unit_name("gateway")
    unit.write_text(systemd.unit_text("gateway", str(tmp_path / "no-such-aquamon"), str(tmp_path)))
    r = verify([unit])
    assert r.returncode != 0 and "no-such-aquamon" in r.stderr


def test_the_shipped_units_are_the_ones_init_writes() -> None:
    for part in systemd.PARTS:
        shipped = (ROOT / "deploy" / "systemd" / systemd.unit_name(part)).read_text()
        assert shipped == systemd.unit_text(part, "/opt/aquamon/bin/aquamon", "/etc/aquamon"), part


def test_the_broker_listener_binds_client_ids_and_saves_after_every_change(tmp_path: Path) -> None:
    # as every broker we ship or launch (docs/decisions.md, "Faults and attacks"): no account takes over
    # another's session, and a crash or power cut loses no reading the broker acknowledged
    conf = mosquitto_conf(Site(["reef"], "", mqtt_port=1883), AccountStore(tmp_path)).splitlines()
    listener = conf.index("listener 1883 0.0.0.0")
    assert conf.index("use_username_as_clientid true") > listener
    assert {"allow_anonymous false", "autosave_on_changes true", "autosave_interval 1"} <= set(conf)


def test_replacing_the_account_files_keeps_them_readable_by_the_broker(tmp_path: Path) -> None:
    # init gives passwd and acl to the broker's user (0640); `aquamon user add` later must keep that
    store = AccountStore(tmp_path)
    store.add(Account.for_service("gateway"))
    broker_user = pwd.getpwnam("mosquitto") if os.geteuid() == 0 and user_exists("mosquitto") else None
    for f in (store.passwd_path, store.acl_path):
        os.chmod(f, 0o640)
        if broker_user is not None:
            os.chown(f, broker_user.pw_uid, broker_user.pw_gid)
    before = {f: (f.stat().st_uid, f.stat().st_gid) for f in (store.passwd_path, store.acl_path)}
    store.add(Account.for_device("reef", "esp32"))
    for f, ids in before.items():
        assert stat.S_IMODE(f.stat().st_mode) == 0o640 and (f.stat().st_uid, f.stat().st_gid) == ids, f
    fresh = AccountStore(tmp_path / "new")
    fresh.add(Account.for_service("gateway"))
    assert stat.S_IMODE(fresh.passwd_path.stat().st_mode) == 0o600  # a new file stays private


def test_dry_run_says_everything_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    r = run_init(root, "--notify", "json://127.0.0.1:9/x", "--dry-run")
    assert r.returncode == 0, r.stderr
    for what in ("would write", "aquamon.toml", "would create broker account gateway",
                 "would create device account aquamon/reef/esp32", 'CREATE RETENTION POLICY "hourly"',
                 "CREATE CONTINUOUS QUERY", "aquamon-analytics.service", "would run: systemctl --root"):
        assert what in r.stdout, what
    assert not root.exists()


def test_a_rerun_keeps_the_broker_to_this_machine_and_the_sites_addresses(tmp_path: Path) -> None:
    # an upgrade reruns init without the first run's flags: --mqtt-listen 127.0.0.1 must not fall back
    # to every interface, nor the ports and InfluxDB to the defaults
    from aquamon.init import existing_answers

    site = Site(["reef"], "json://127.0.0.1:9/x", timezone="UTC", root=tmp_path, mqtt_port=1884,
                mqtt_listen="127.0.0.1", influx_url="http://10.0.0.5:8087", influx_database="fish")
    Installer(site, say=lambda line: None).run(["config_file"])
    conf = site.path("/etc/mosquitto/conf.d/aquamon.conf")
    conf.parent.mkdir(parents=True)
    conf.write_text(mosquitto_conf(site, AccountStore(site.path("/etc/mosquitto/aquamon"))))
    kept = existing_answers(tmp_path)
    assert (kept["mqtt_listen"], kept["mqtt_port"], kept["influx_url"], kept["influx_database"]) == \
        ("127.0.0.1", "1884", "http://10.0.0.5:8087", "fish")
    r = subprocess.run([sys.executable, "-m", "aquamon", "init", "--root", str(tmp_path), "--exec", EXE, "--dry-run",
                        "--only", "broker"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and f"unchanged: {conf}" in r.stdout, r.stdout + r.stderr


def test_check_config_knows_the_accounts_are_in_the_parts_environment_files(tmp_path: Path) -> None:
    # init's layout: no account in aquamon.toml, one per part in <part>.env beside it (systemd's
    # EnvironmentFile); `aquamon check-config /etc/aquamon/aquamon.toml` must not warn about it
    from aquamon.configcheck import check_config_file

    config = tmp_path / "aquamon.toml"
    config.write_text(render_config(Site(["reef"], "json://127.0.0.1:9/x", timezone="UTC", root=tmp_path)))
    assert any("[mqtt] username, password: empty" in w for w in check_config_file(config)[1])
    (tmp_path / "gateway.env").write_text("AQUAMON_MQTT_USERNAME=gateway\nAQUAMON_MQTT_PASSWORD=pw\n")
    assert check_config_file(config)[1] == []


def test_a_folder_init_cannot_write_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "etc").write_text("")  # where /etc should be (as root nothing else is refused)
    site = Site(["reef"], "json://127.0.0.1:9/x", timezone="UTC", root=tmp_path)
    with pytest.raises(InitError, match=r"^config file: Not a directory: .*/etc/aquamon"):
        Installer(site, say=lambda line: None).run(["config_file"])


def test_a_wrong_time_zone_stops_init_before_anything_is_written(tmp_path: Path) -> None:
    r = run_init(tmp_path / "root", "--notify", "json://127.0.0.1:9/x", "--timezone", "Mars/Olympus")
    assert r.returncode == 2 and "unknown time zone 'Mars/Olympus'" in r.stderr
    assert not (tmp_path / "root").exists()


class Broker:
    """Mosquitto as Debian runs it: a main file that includes conf.d, where init put its listener."""

    def __init__(self, root: Path) -> None:
        main = root / "etc" / "mosquitto" / "mosquitto.conf"
        # as whoever runs the tests (Debian's would switch to `mosquitto`; the pytest folder is private)
        main.write_text(f"user {pwd.getpwuid(os.getuid()).pw_name}\npersistence false\nlog_dest stdout\n"
                        f"include_dir {root}/etc/mosquitto/conf.d\n")
        self.proc: ManagedProcess = spawn("mosquitto", ["mosquitto", "-c", str(main)], root / "mosquitto.log")

    def stop(self) -> None:
        self.proc.stop()


@pytest.mark.services
def test_init_sets_up_a_working_site_and_a_second_run_changes_nothing(tmp_path: Path, influxdb: InfluxDB1,
                                                                      unique: str) -> None:
    root, port = tmp_path / "root", free_port()
    args = ("--notify", "json://127.0.0.1:9/alerts", "--homeassistant", "--mqtt-port", str(port),
            "--mqtt-listen", "127.0.0.1", "--influx-url", influxdb.url, "--influx-database", unique)
    r = run_init(root, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    etc = root / "etc" / "aquamon"

    # files and their modes
    assert stat.S_IMODE((etc / "aquamon.toml").stat().st_mode) == 0o640
    for env in ("gateway.env", "analytics.env", "homeassistant.env"):
        assert stat.S_IMODE((etc / env).stat().st_mode) == 0o600
    secret = etc / "devices" / "reef" / "esp32.secrets.py"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len((etc / "devices/reef/esp32.key").read_text()) == 65
    passwd = root / "etc" / "mosquitto" / "aquamon" / "passwd"
    if os.geteuid() == 0 and user_exists("mosquitto"):  # Mosquitto 2 reads it as its own user
        assert pwd.getpwuid(passwd.stat().st_uid).pw_name == "mosquitto"
        assert stat.S_IMODE(passwd.stat().st_mode) == 0o640

    # the config is valid, notifies someone and, with a part's environment, has its account
    gw_env = env_of(etc / "gateway.env")
    check = subprocess.run([sys.executable, "-m", "aquamon", "check-config", "--strict", str(etc / "aquamon.toml")],
                           capture_output=True, text=True, timeout=60, env={**os.environ, **gw_env})
    assert check.returncode == 0, check.stdout + check.stderr
    cfg = load_config(etc / "aquamon.toml")
    assert cfg.analytics.tanks == ["reef", "shrimp"] and cfg.notify.critical == ["json://127.0.0.1:9/alerts"]
    assert cfg.alerts.time_zone == "Europe/Berlin" and cfg.alerts.utc_offset_minutes == 0  # not the deprecated offset
    assert len(cfg.alerts.command_key) == 64

    # units installed, verified by systemd, enabled at boot
    units = [root / "etc/systemd/system" / systemd.unit_name(p) for p in systemd.PARTS]
    r_verify = verify(units)
    assert r_verify.returncode == 0 and not (r_verify.stdout + r_verify.stderr).strip(), r_verify.stderr
    for p in systemd.PARTS:
        assert (root / "etc/systemd/system/multi-user.target.wants" / systemd.unit_name(p)).is_symlink(), p

    # InfluxDB: database, retention policies, continuous queries
    admin = InfluxV1(influxdb.url, unique)
    rps = {row[0]: row for s in admin.query(f'SHOW RETENTION POLICIES ON "{unique}"') for row in s["values"]}
    assert rps["autogen"][1] == "4320h0m0s" and rps["autogen"][4] is True  # 180 days, the default
    assert rps["hourly"][1] == "87600h0m0s"  # ten years
    cqs = [row[0] for s in admin.query("SHOW CONTINUOUS QUERIES") if s["name"] == unique for row in s["values"]]
    assert sorted(cqs) == [retention.cq_name(unique, "device"), retention.cq_name(unique, "water")]

    # the site works: a device's reading goes through the broker and the gateway into InfluxDB, and the
    # analytics evaluate it; each part started as its unit starts it (ExecStart, EnvironmentFile)
    # watched with an account of its own: under the gateway's the broker (client ids bound to usernames)
    # would take the connection away from the running gateway
    viewer = ("viewer", AccountStore(passwd.parent).add(Account.for_service("viewer")))
    broker = Broker(root)
    parts: list[ManagedProcess] = []
    try:
        wait_until(lambda: port_open(port), 15, "mosquitto on the port init configured", broker.proc)
        assert connack_code(port, "gateway", gw_env["AQUAMON_MQTT_PASSWORD"]) == 0
        assert connack_code(port, "gateway", "wrong") != 0
        parts.append(_start_as_its_unit(root, "gateway", tmp_path))
        as_gateway = replace(cfg, mqtt=replace(cfg.mqtt, username="gateway", password=gw_env["AQUAMON_MQTT_PASSWORD"]))
        wait_gateway_online(as_gateway, cfg.gateway.instance, parts[0], observer=viewer)
        device_password = secret.read_text().split("MQTT_PASSWORD = ")[1].splitlines()[0].strip("'")
        _publish_readings(port, "aquamon/reef/esp32", device_password)
        assert wait_for(lambda: _count(admin) == 2, 30), parts[0].log_tail()
        parts.append(_start_as_its_unit(root, "analytics", tmp_path))
        assert wait_for(lambda: _state_saved(admin, "reef"), 60), parts[1].log_tail()
    finally:
        for part in reversed(parts):
            part.stop()
        broker.stop()

    # a dry run now says there is nothing to create; a second run keeps every password and file, and adds
    # nothing to InfluxDB
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.name.endswith(".log")}
    # (without the site's answers: a rerun takes them from the config it keeps, and invents no tank)
    dry = subprocess.run([sys.executable, "-m", "aquamon", "init", "--root", str(root), "--exec", EXE, *args[2:],
                          "--dry-run"], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert dry.returncode == 0 and not re.search(r"would (create|write|run on)", dry.stdout), dry.stdout
    assert "unchanged: broker account gateway" in dry.stdout and "unchanged: InfluxDB" in dry.stdout, dry.stdout
    again = run_init(root, *args)
    assert again.returncode == 0, again.stderr
    assert not re.search(r"\bcreate|\bwrite |CREATE|ALTER", again.stdout), again.stdout
    assert {p: p.read_bytes() for p in before} == before
    cqs_after = [row[0] for s in admin.query("SHOW CONTINUOUS QUERIES") if s["name"] == unique for row in s["values"]]
    assert sorted(cqs_after) == sorted(cqs)

    # a tank added later (docs/install.md): the broker's user can still read its files at the next reload
    def owners() -> dict[Path, tuple[int, int, int]]:
        return {f: (f.stat().st_uid, f.stat().st_gid, stat.S_IMODE(f.stat().st_mode))
                for f in (passwd, passwd.with_name("acl"))}

    before_add = owners()
    add = subprocess.run([sys.executable, "-m", "aquamon", "user", "add", "--dir", str(passwd.parent), "--role",
                          "device", "--tank", "quarantine", "--device", "esp32"], capture_output=True, text=True,
                         timeout=60)
    assert add.returncode == 0, add.stderr
    assert owners() == before_add


def _start_as_its_unit(root: Path, part: str, logs: Path) -> ManagedProcess:
    """``part`` as systemd would start it from the unit init wrote: its ExecStart, its EnvironmentFile."""
    unit = (root / "etc/systemd/system" / systemd.unit_name(part)).read_text()
    argv = re.search(r"^ExecStart=(.+)$", unit, flags=re.M).group(1).split()
    env = {"PATH": os.environ["PATH"]}
    for optional, path in re.findall(r"^EnvironmentFile=(-?)(.+)$", unit, flags=re.M):  # later files win
        if not optional or Path(path).exists():
            env.update(env_of(Path(path)))
    return spawn(part, argv, logs / f"{part}.log", env=env)


def _state_saved(db: InfluxV1, tank: str) -> bool:
    try:
        return bool(db.query(f'SELECT count(*) FROM "analytics_state" WHERE "tank" = \'{tank}\''))
    except Exception:  # noqa: BLE001 - not created yet
        return False


def _publish_readings(port: int, base: str, password: str) -> None:
    """Two readings two minutes apart: the analytics evaluate a minute once a later reading closes it."""
    from harness.loadgen import Publisher, reading_payload

    pub = Publisher(port, username=base, password=password)
    try:
        now = int(time.time() * 1000)
        for seq, t in ((1, now - 120_000), (2, now)):
            pub.publish(f"{base}/telemetry", reading_payload(seq, t))
        assert pub.wait_acked(10) == 2
    finally:
        pub.close()


def _count(db: InfluxV1) -> int:
    try:
        s = db.query('SELECT count("seq") FROM "water"')
    except Exception:  # noqa: BLE001 - not created yet
        return -1
    return int(s[0]["values"][0][1]) if s else 0


@pytest.mark.services
def test_minute_data_is_downsampled_to_hourly_means_on_real_influxdb(influxdb: InfluxDB1, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    retention.apply(db, unique, retention.Retention(30, 365))
    hour_ms = 3_600_000
    start = (int(time.time() * 1000) // hour_ms - 5) * hour_ms  # three whole hours, ending two hours ago
    rng = np.random.default_rng(7)
    temps = {tank: 24.0 + rng.normal(0, 0.5, 180) for tank in ("t1", "t2")}
    db.write_lines([f"water,tank={tank},device=d temp_c={v:.4f},ph=7.1,seq={i}i {start + i * 60_000}"
                    for tank, values in temps.items() for i, v in enumerate(values)])
    where = f"time >= {start}ms AND time < {start + 3 * hour_ms}ms"
    db.query(retention.hourly_select(unique, "water", retention.DOWNSAMPLED["water"], where))
    for tank, values in temps.items():
        s = db.query(f'SELECT "temp_c", "ph" FROM "{unique}"."hourly"."water" WHERE "tank" = \'{tank}\'')
        rows = s[0]["values"]
        assert [r[0] for r in rows] == [start + h * hour_ms for h in range(3)]
        np.testing.assert_allclose([r[1] for r in rows], values.reshape(3, 60).mean(axis=1), atol=1e-4)
        assert all(r[2] == pytest.approx(7.1) for r in rows)
    # the continuous query runs that very statement every hour
    cq = [row[1] for s in db.query("SHOW CONTINUOUS QUERIES") if s["name"] == unique for row in s["values"]
          if row[0] == retention.cq_name(unique, "water")][0]
    assert retention.hourly_select(unique, "water", retention.DOWNSAMPLED["water"]).split(" GROUP BY")[0] \
        .replace('"', "") in cq.replace('"', ""), cq
