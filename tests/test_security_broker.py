"""Nobody else controls the pump: the broker's authentication and ACL, on a real Mosquitto.

Every broker here is started as the product starts it (``Mosquitto(...)`` with its
defaults, as ``aquamon demo`` does, or from the shipped deploy/mosquitto/mosquitto.conf),
never the shared test fixture, which also admits anonymous clients for older tests.

A refused PUBLISH is acknowledged like any other under MQTT 3.1.1, so "refused"
is shown two ways: the MQTT 5 PUBACK says "Not authorized", and an observer
with every right never receives the message, while it does receive a message the
same client published afterwards (one connection's messages arrive in order, so
the later one proves the earlier one had its chance).
"""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from aquamon import ids as aquamon_ids
from aquamon.auth import (
    Account,
    AccountStore,
    AuthError,
    acl_text,
    configure_client,
    hash_password,
    parse_accounts,
    verify_password,
)
from aquamon.config import load_config_text
from harness.services import Mosquitto, TlsFiles, connack_code, find_binary, free_port, port_open, spawn, wait_until

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[1]


class Client:
    """A real paho client (MQTT 5) that records what it receives and every PUBACK/SUBACK reason."""

    def __init__(self, port: int, username: str | None = None, password: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        if username is not None:
            self.c.username_pw_set(username, password)
        if tls is not None:
            self.c.tls_set_context(tls)
        self.received: list[tuple[str, bytes]] = []
        self.puback: dict[int, Any] = {}
        self.suback: dict[int, list[Any]] = {}
        self.connack: Any = None
        self.cond = threading.Condition()
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_publish = self._on_publish
        self.c.on_subscribe = self._on_subscribe
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        self.wait(lambda: self.connack is not None, "no CONNACK")

    def _notify(self, fn: Any) -> None:
        with self.cond:
            fn()
            self.cond.notify_all()

    def _on_connect(self, c: Any, u: Any, flags: Any, reason: Any, props: Any) -> None:
        self._notify(lambda: setattr(self, "connack", reason))

    def _on_message(self, c: Any, u: Any, m: mqtt.MQTTMessage) -> None:
        self._notify(lambda: self.received.append((m.topic, bytes(m.payload))))

    def _on_publish(self, c: Any, u: Any, mid: int, reason: Any, props: Any) -> None:
        self._notify(lambda: self.puback.__setitem__(mid, reason))

    def _on_subscribe(self, c: Any, u: Any, mid: int, reasons: Any, props: Any) -> None:
        self._notify(lambda: self.suback.__setitem__(mid, reasons))

    def wait(self, check: Any, what: str, timeout: float = 5.0) -> None:
        with self.cond:
            assert self.cond.wait_for(check, timeout), what

    @property
    def accepted(self) -> bool:
        return self.connack is not None and not self.connack.is_failure

    def publish(self, topic: str, payload: bytes) -> Any:
        """Publish at QoS 1 and return the broker's PUBACK reason."""
        mid = self.c.publish(topic, payload, qos=1).mid
        self.wait(lambda: mid in self.puback, f"no PUBACK for {topic}")
        return self.puback[mid]

    def subscribe(self, *topics: str) -> list[Any]:
        _, mid = self.c.subscribe([(t, 1) for t in topics])
        assert mid is not None, "the client is not connected"
        self.wait(lambda: mid in self.suback, "no SUBACK")
        return self.suback[mid]

    def got(self, topic: str) -> list[bytes]:
        with self.cond:
            return [p for t, p in self.received if t == topic]

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def refused(reason: Any) -> bool:
    return bool(reason.is_failure) and "authori" in str(reason).lower()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    m = Mosquitto(tmp_path_factory.mktemp("strict-mosquitto")).start()  # as the demo starts it
    yield m
    m.stop()


@pytest.fixture
def clients() -> Iterator[list[Client]]:
    made: list[Client] = []
    yield made
    for c in made:
        c.close()


def connect(made: list[Client], broker: Mosquitto, account: Account | None) -> Client:
    user, password = broker.ensure_account(account) if account else (None, None)
    c = Client(broker.port, user, password, tls=broker.ssl_context())
    made.append(c)
    assert c.accepted, c.connack
    return c


def observer(made: list[Client], broker: Mosquitto) -> Client:
    obs = connect(made, broker, Account.for_service("admin", "aquamon-observer"))  # its own: client ids are bound to usernames
    obs.subscribe("aquamon/#", "homeassistant/#")
    return obs


# --- who may connect ---------------------------------------------------------------------

def test_the_product_broker_refuses_anonymous_clients(broker: Mosquitto) -> None:
    conf = broker.conf_path.read_text()
    assert "allow_anonymous false" in conf and "password_file" in conf and "acl_file" in conf
    anon = Client(broker.port)
    try:
        assert refused(anon.connack), anon.connack
    finally:
        anon.close()
    assert connack_code(broker.port, None, None) == 5  # MQTT 3.1.1 too: "not authorised"


def test_a_wrong_password_or_unknown_user_is_refused(broker: Mosquitto) -> None:
    user, password = broker.ensure_account(Account.for_device("tank1", "esp1"))
    assert connack_code(broker.port, user, password) == 0  # the right one is accepted
    for u, p in ((user, password + "x"), (user, password[:-1]), (user, ""), ("nobody", password),
                 ("aquamon/tank1/esp2", password)):
        c = Client(broker.port, u, p)
        try:
            assert refused(c.connack), (u, c.connack)
        finally:
            c.close()


# --- what a device may do ----------------------------------------------------------------

def test_a_device_cannot_publish_another_tanks_or_devices_topics(broker: Mosquitto, clients: list[Client]) -> None:
    obs = observer(clients, broker)
    dev = connect(clients, broker, Account.for_device("tank1", "esp1"))
    forged = ["aquamon/tank2/esp2/telemetry", "aquamon/tank1/esp2/telemetry",  # other tank / other device
              "aquamon/tank2/esp2/cmd", "aquamon/tank1/esp1/cmd",  # commands, even to itself
              "aquamon/tank2/alert/heater_stuck", "aquamon/_gateway/gw1", "aquamon/tank2/esp2/status"]
    for topic in forged:
        assert refused(dev.publish(topic, b'{"forged":1}')), topic
    for own in ("telemetry", "status", "event", "cmd/ack"):
        assert not dev.publish(f"aquamon/tank1/esp1/{own}", b"{}").is_failure, own
    obs.wait(lambda: obs.got("aquamon/tank1/esp1/cmd/ack"), "the device's own messages never arrived")
    assert [t for t, _ in obs.received if t in forged] == []


def test_a_device_cannot_read_another_devices_commands(broker: Mosquitto, clients: list[Client]) -> None:
    admin = connect(clients, broker, Account.for_service("admin", "aquamon-admin"))
    dev = connect(clients, broker, Account.for_device("tank1", "esp1"))
    dev.subscribe("aquamon/tank2/esp2/cmd", "aquamon/tank1/esp2/cmd", "aquamon/+/+/telemetry", "#",
                  "aquamon/tank1/esp1/cmd")
    for topic in ("aquamon/tank2/esp2/cmd", "aquamon/tank1/esp2/cmd", "aquamon/tank2/esp2/telemetry"):
        admin.publish(topic, b"secret")
    admin.publish("aquamon/tank1/esp1/cmd", b"mine")
    dev.wait(lambda: dev.got("aquamon/tank1/esp1/cmd"), "the device did not get its own command")
    # (overlapping subscriptions may deliver the own command twice; nothing else may arrive)
    assert set(dev.received) == {("aquamon/tank1/esp1/cmd", b"mine")}


# --- the server parts: least rights ---------------------------------------------------------

RIGHTS = [  # role, publish or read, topic, allowed
    ("gateway", "read", "aquamon/tank1/esp1/telemetry", True),
    ("gateway", "read", "aquamon/tank1/esp1/event", True),
    ("gateway", "publish", "aquamon/_gateway/gw1", True),
    ("gateway", "read", "aquamon/tank1/esp1/cmd", False),
    ("gateway", "publish", "aquamon/tank1/esp1/telemetry", False),
    ("gateway", "publish", "aquamon/tank1/esp1/cmd", False),
    ("gateway", "publish", "aquamon/tank1/alert/x", False),
    ("analytics", "publish", "aquamon/tank1/alert/heater_stuck", True),
    ("analytics", "read", "aquamon/tank1/alert/heater_stuck", True),
    ("analytics", "publish", "aquamon/tank1/summary", True),
    ("analytics", "read", "aquamon/tank1/esp1/status", True),
    ("analytics", "read", "aquamon/tank1/analytics/cmd", True),
    ("analytics", "publish", "aquamon/tank1/analytics/cmd/ack", True),
    ("analytics", "publish", "aquamon/tank1/esp1/cmd/ack", False),
    ("analytics", "publish", "aquamon/tank1/esp1/cmd", False),
    ("analytics", "publish", "aquamon/tank1/analytics/cmd", False),
    ("analytics", "publish", "aquamon/tank1/esp1/telemetry", False),
    ("analytics", "read", "aquamon/tank1/esp1/telemetry", False),
    ("analytics", "read", "aquamon/tank1/esp1/cmd", False),
    ("viewer", "read", "aquamon/tank1/esp1/telemetry", True),
    ("viewer", "read", "aquamon/tank1/alert/heater_stuck", True),
    ("viewer", "read", "aquamon/tank1/esp1/cmd", False),
    ("viewer", "publish", "aquamon/tank1/esp1/cmd", False),
    ("viewer", "publish", "aquamon/tank1/esp1/telemetry", False),
    ("homeassistant", "publish", "homeassistant/sensor/aquamon_tank1_esp1/temp_c/config", True),
    ("homeassistant", "read", "aquamon/tank1/esp1/telemetry", True),
    # `aquamon homeassistant` relays HA's buttons as commands it signs; HA (same account) holds no key,
    # so what it could publish there unsigned is refused by the device (tests/test_homeassistant.py)
    ("homeassistant", "publish", "aquamon/tank1/esp1/cmd", True),
    ("homeassistant", "read", "aquamon/tank1/esp1/cmd", False),
    ("operator", "publish", "aquamon/tank1/esp1/cmd", True),
    ("operator", "read", "aquamon/tank1/esp1/cmd/ack", True),
    ("operator", "publish", "aquamon/tank1/esp1/telemetry", False),
    ("operator", "publish", "aquamon/tank1/alert/x", False),
]


def test_gateway_analytics_viewer_and_operator_have_least_rights(broker: Mosquitto, clients: list[Client]) -> None:
    admin = connect(clients, broker, Account.for_service("admin", "aquamon-admin"))
    obs = observer(clients, broker)
    by_role = {r: connect(clients, broker, Account.for_service(r)) for r in {r for r, *_ in RIGHTS}}
    for role, c in by_role.items():
        c.subscribe(*[t for r, op, t, _ in RIGHTS if r == role and op == "read"])
    wrong = []
    for n, (role, op, topic, allowed) in enumerate(RIGHTS):
        if op == "publish":
            reason = by_role[role].publish(topic, b"p%d" % n)
            if refused(reason) == allowed:
                wrong.append((role, op, topic, str(reason)))
        else:
            admin.publish(topic, b"r%d" % n)
    # the last message from each publisher arrives after every earlier one
    admin.publish("aquamon/barrier/x/telemetry", b"end")
    obs.wait(lambda: obs.got("aquamon/barrier/x/telemetry"), "the barrier never arrived")
    for c in by_role.values():
        c.subscribe("aquamon/barrier/x/telemetry")  # everyone but analytics may read telemetry
    time.sleep(0.2)
    for n, (role, op, topic, allowed) in enumerate(RIGHTS):
        if op == "publish":
            seen = b"p%d" % n in obs.got(topic)
        else:
            seen = b"r%d" % n in by_role[role].got(topic)
        if seen != allowed:
            wrong.append((role, op, topic, "delivered" if seen else "not delivered"))
    assert wrong == []


# --- hostile names never reach the ACL file -------------------------------------------------

@pytest.mark.parametrize("tank, device", [("tank+", "esp1"), ("tank1", "#"), ("tank1", "esp1\nuser x"),
                                          ("tank 1", "esp1"), ("", "esp1"), ("tank1", "alert"), ("tank1", "analytics"),
                                          ("_gateway", "x"), ("tank1", "a/b")])
def test_an_account_name_cannot_widen_the_acl(tank: str, device: str) -> None:
    with pytest.raises(AuthError):
        Account.for_device(tank, device)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_every_accepted_device_account_stays_inside_its_own_topics(tank: str, device: str) -> None:
    try:
        a = Account.for_device(tank, device)
    except AuthError:
        return
    lines = acl_text([a]).splitlines()
    rules = [ln.split(" ") for ln in lines if ln.startswith("topic ")]
    assert len(rules) == 5 and all(len(r) == 3 for r in rules)
    assert all(r[2].startswith(f"aquamon/{tank}/{device}/") for r in rules)
    assert not any(ch in r[2] for r in rules for ch in "+#")
    assert lines.count(f"user {a.username}") == 1 and all("\n" not in ln for ln in lines)


def test_password_hashes_are_mosquitto_passwd_compatible(tmp_path: Path) -> None:
    pw_file = tmp_path / "pw"
    subprocess.run([find_binary("mosquitto_passwd"), "-c", "-b", str(pw_file), "u", "s3cret"], check=True)
    theirs = pw_file.read_text().strip().split(":", 1)[1]
    assert verify_password("s3cret", theirs) and not verify_password("s3creT", theirs)
    ours = hash_password("s3cret")
    assert re.fullmatch(r"\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}", ours)
    assert hash_password("s3cret") != ours  # salted


# --- the shipped configuration and `aquamon user add` --------------------------------------

def shipped_conf_for_test(tmp_path: Path, port: int, auth_dir: Path) -> Path:
    """deploy/mosquitto/mosquitto.conf with only its paths and port moved into tmp_path."""
    text = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
    assert re.search(r"^allow_anonymous false$", text, re.M), "the shipped broker must refuse anonymous clients"
    text = re.sub(r"^listener \d+.*$", f"listener {port} 127.0.0.1", text, flags=re.M)
    text = text.replace("/mosquitto/config/", f"{auth_dir}/").replace("/mosquitto/data/", f"{tmp_path}/")
    import os
    import pwd

    conf = tmp_path / "mosquitto.conf"
    conf.write_text(text + f"\nuser {pwd.getpwuid(os.getuid()).pw_name}\n")
    return conf


def test_the_shipped_config_with_user_add_accounts_enforces_auth(tmp_path: Path, clients: list[Client]) -> None:
    auth_dir = tmp_path / "config"
    cli = [sys.executable, "-m", "aquamon", "user", "add", "--dir", str(auth_dir)]
    r = subprocess.run(cli + ["--role", "device", "--tank", "tank1", "--device", "esp1"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    found = re.search(r"password: (\S+)", r.stdout)
    assert found, r.stdout
    dev_user, dev_pw = "aquamon/tank1/esp1", found.group(1)
    r = subprocess.run(cli + ["--role", "admin", "--name", "ops", "--password-stdin"], input="ops-Password-1\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ops-Password-1" not in r.stdout + r.stderr  # a password given is never echoed
    for tank in ("tank#", "t\u0430nk1", "Tank1"):  # a wildcard, a Cyrillic look-alike, a case twin
        bad = subprocess.run(cli + ["--role", "device", "--tank", tank, "--device", "x"],
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and "tank id" in bad.stderr, (tank, bad.stderr)
    port = free_port()
    conf = shipped_conf_for_test(tmp_path, port, auth_dir)
    proc = spawn("mosquitto", [find_binary("mosquitto"), "-c", str(conf)], tmp_path / "mosquitto.log")
    try:
        wait_until(lambda: port_open(port), 15, "the shipped mosquitto.conf", proc)
        assert connack_code(port, None, None) == 5
        assert connack_code(port, dev_user, dev_pw + "x") == 5
        obs = Client(port, "ops", "ops-Password-1")
        clients.append(obs)
        obs.subscribe("aquamon/#")
        dev = Client(port, dev_user, dev_pw)
        clients.append(dev)
        assert refused(dev.publish("aquamon/tank2/esp1/telemetry", b"forged"))
        assert not dev.publish("aquamon/tank1/esp1/telemetry", b"real").is_failure
        obs.wait(lambda: obs.got("aquamon/tank1/esp1/telemetry"), "no telemetry")
        assert obs.got("aquamon/tank2/esp1/telemetry") == []
        # rotation: add again = new password; the broker takes it on SIGHUP, the old one stops working
        r = subprocess.run(cli + ["--role", "device", "--tank", "tank1", "--device", "esp1"],
                           capture_output=True, text=True, timeout=60)
        new_pw = re.search(r"password: (\S+)", r.stdout).group(1)  # type: ignore[union-attr]
        proc.proc.send_signal(1)  # SIGHUP, as docs/security.md says
        wait_until(lambda: connack_code(port, dev_user, new_pw) == 0, 10, "the rotated password", proc)
        assert connack_code(port, dev_user, dev_pw) == 5
        # a stolen device: remove its account
        r = subprocess.run([sys.executable, "-m", "aquamon", "user", "remove", "--dir", str(auth_dir), dev_user],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        proc.proc.send_signal(1)
        wait_until(lambda: connack_code(port, dev_user, new_pw) == 5, 10, "the removed account refused", proc)
    finally:
        proc.stop()


def test_store_keeps_other_accounts_when_one_is_rotated(tmp_path: Path) -> None:
    store = AccountStore(tmp_path)
    p1 = store.add(Account.for_device("tank1", "esp1"))
    p2 = store.add(Account.for_service("gateway"))
    p1b = store.add(Account.for_device("tank1", "esp1"))
    assert p1b != p1 and store.check("aquamon/tank1/esp1", p1b) and not store.check("aquamon/tank1/esp1", p1)
    assert store.check("gateway", p2)
    assert sorted(a.username for a in store.accounts()) == ["aquamon/tank1/esp1", "gateway"]
    assert (tmp_path / "passwd").stat().st_mode & 0o077 == 0 and (tmp_path / "acl").stat().st_mode & 0o077 == 0


# --- TLS: one switch ----------------------------------------------------------------------------

def make_tls_files(d: Path) -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1, made now with the openssl CLI."""
    d.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d, timeout=60)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")  # EC keys: made in milliseconds
    run("req", "-x509", *ec, "-days", "2", "-subj", "/CN=aquamon test CA", "-keyout", "ca.key", "-out", "ca.crt")
    run("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    (d / "ext.cnf").write_text("subjectAltName = IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "ext.cnf", "-out", "server.crt")
    return TlsFiles(d / "server.crt", d / "server.key", d / "ca.crt")


def test_tls_is_one_switch_and_plain_connections_are_refused(tmp_path: Path, clients: list[Client]) -> None:
    tls = make_tls_files(tmp_path / "pki")
    m = Mosquitto(tmp_path / "mosquitto", tls=tls).start()
    try:
        # a server part's client, configured as the gateway and analytics configure theirs
        # (auth.configure_client) from a config file with the switch on
        user, password = m.ensure_account(Account.for_service("viewer"))
        cfg = load_config_text(f'[mqtt]\nport = {m.port}\nusername = "{user}"\npassword = "{password}"\n'
                               f'tls = true\nca_file = "{tls.cafile}"\n')
        part = mqtt.Client(CallbackAPIVersion.VERSION2)
        configure_client(part, cfg.mqtt)
        connected = threading.Event()
        part.on_connect = lambda c, u, f, reason, p: connected.set() if not reason.is_failure else None
        part.connect("127.0.0.1", m.port)
        part.loop_start()
        try:
            assert connected.wait(10), "a client with [mqtt] tls = true did not connect"
        finally:
            part.loop_stop()
            part.disconnect()
        with pytest.raises(AuthError, match="ca_file"):  # a missing CA file is named, not an SSL traceback
            configure_client(mqtt.Client(CallbackAPIVersion.VERSION2),
                             load_config_text(f'[mqtt]\ntls = true\nca_file = "{tmp_path}/nope.pem"\n').mqtt)
        user, password = m.admin_credentials()
        c = Client(m.port, user, password, tls=m.ssl_context())
        clients.append(c)
        assert c.accepted
        c.subscribe("aquamon/t/d/telemetry")
        c.publish("aquamon/t/d/telemetry", b"over tls")
        c.wait(lambda: c.got("aquamon/t/d/telemetry"), "no message over TLS")
        with pytest.raises(OSError):  # plain MQTT on the TLS port: no CONNACK
            connack_code(m.port, user, password, timeout=1.0)
        with pytest.raises(ssl.SSLError):  # a client that does not trust our CA
            connack_code(m.port, user, password, ssl.create_default_context())
    finally:
        m.stop()


def test_a_gateway_in_a_shared_subscription_keeps_its_rights(broker: Mosquitto, clients: list[Client]) -> None:
    admin = connect(clients, broker, Account.for_service("admin", "aquamon-admin"))
    gw = connect(clients, broker, Account.for_service("gateway"))
    gw.subscribe("$share/aquamon/aquamon/+/+/cmd", "$share/aquamon/aquamon/+/+/telemetry")
    admin.publish("aquamon/tank1/esp1/cmd", b"cmd")
    admin.publish("aquamon/tank1/esp1/telemetry", b"reading")
    gw.wait(lambda: gw.got("aquamon/tank1/esp1/telemetry"), "no telemetry through the shared subscription")
    assert gw.received == [("aquamon/tank1/esp1/telemetry", b"reading")]


def test_docker_compose_runs_the_broker_with_the_authenticated_config(tmp_path: Path) -> None:
    from test_compose import compose_config, filled_env_file  # needs every .env value (tests/test_compose.py)

    r = compose_config(filled_env_file(tmp_path))
    assert r.returncode == 0, r.stderr
    # the folder holding mosquitto.conf (tested above: no anonymous clients) and its passwd/acl files,
    # copied at start to /mosquitto/config for the broker's own user
    assert f"- {ROOT}/deploy/mosquitto:/aquamon/mosquitto:ro" in r.stdout, r.stdout
    for part in ("gateway", "analytics"):  # each with its own account
        assert f"AQUAMON_MQTT_USERNAME: {part}" in r.stdout


NAMES = st.from_regex(aquamon_ids.ID_PATTERN, fullmatch=True).filter(
    lambda s: s not in ("alert", "analytics"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, NAMES), max_size=6, unique=True),
       st.lists(st.sampled_from(["gateway", "analytics", "operator", "viewer", "homeassistant", "admin"]),
                max_size=4, unique=True))
def test_the_acl_file_records_every_account_exactly(devices: list[tuple[str, str]], roles: list[str]) -> None:
    accounts = [Account.for_device(t, d) for t, d in devices] + [Account.for_service(r) for r in roles]
    accounts.append(Account.for_service("homeassistant", "ha-custom", discovery_prefix="home/ha"))
    assert sorted(parse_accounts(acl_text(accounts)), key=lambda a: a.username) == \
        sorted(accounts, key=lambda a: a.username)


def test_a_homeassistant_account_may_write_only_its_own_discovery_prefix() -> None:
    rules = Account.for_service("homeassistant", discovery_prefix="home/ha").rules()
    assert ("readwrite", "home/ha/#") in rules and not any(t.startswith("homeassistant/") for _, t in rules)
    with pytest.raises(AuthError, match="discovery prefix"):
        Account.for_service("homeassistant", discovery_prefix="home/#")
    with pytest.raises(AuthError, match="only a homeassistant account"):
        Account.for_service("viewer", discovery_prefix="home/ha")
