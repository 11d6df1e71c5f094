"""InfluxDB with authentication, as the launcher starts it: nobody anonymous, each part least rights.

``Stack.start_services`` (``aquamon demo``, the end-to-end stacks) starts InfluxDB 1.6
with ``auth-enabled = true`` and an admin user; the gateway it starts logs in as
a user that may only write its database, the analytics as one that may read and
write it.  Before, an anonymous ``CREATE DATABASE`` succeeded (issue 21).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from aquamon.config import load_config_text
from aquamon.influx import InfluxV1, QueryError, WriteError
from harness.loadgen import publish_readings
from harness.stack import Stack, wait_for

pytestmark = pytest.mark.services
LINE = "water,tank=t1,device=d1 temp_c=25.0 1700000000000"


@pytest.fixture
def launched(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path).start_services()
    yield s
    s.stop_all()


def _refused(action: object) -> bool:
    try:
        action()  # type: ignore[operator]
    except WriteError as e:
        return e.status in (401, 403)
    except QueryError as e:
        return "HTTP 401" in str(e) or "HTTP 403" in str(e) or "not authorized" in str(e)
    return False


def test_anonymous_clients_can_do_nothing(launched: Stack) -> None:
    assert launched.influx is not None and launched.influx.auth
    anon = InfluxV1(launched.influx.url, "aquamon")
    assert "auth-enabled = true" in (launched.influx.workdir / "influxdb.conf").read_text()
    assert _refused(lambda: anon.query('CREATE DATABASE "evil"')), "an anonymous CREATE DATABASE succeeded"
    assert _refused(lambda: anon.query("SHOW DATABASES"))
    assert _refused(lambda: anon.write_lines([LINE]))
    wrong = InfluxV1(launched.influx.url, "aquamon", launched.influx.admin_user, "guess")
    assert _refused(lambda: wrong.query("SHOW DATABASES"))
    names = [v[0] for s in launched.influx.admin_client().query("SHOW DATABASES") for v in s.get("values", [])]
    assert "evil" not in names


def test_each_part_has_only_its_privilege_on_its_database(launched: Stack) -> None:
    i = launched.influx
    assert i is not None
    launched.config(database="tanks")
    launched.config(database="other")
    gw = InfluxV1(i.url, "tanks", *i.ensure_user("gateway", "tanks"))
    an = InfluxV1(i.url, "tanks", *i.ensure_user("analytics", "tanks"))
    gw.write_lines([LINE])  # the gateway writes ...
    assert _refused(lambda: gw.query("SELECT * FROM water"))  # ... and reads nothing
    assert an.query("SELECT count(temp_c) FROM water")[0]["values"][0][1] == 1
    an.write_lines(["alert,tank=t1 firing=true 1700000000000"])
    for part in (gw, an):
        assert _refused(lambda part=part: part.query('CREATE DATABASE "mine"'))
        assert _refused(lambda part=part: part.query("CREATE USER x WITH PASSWORD 'y' WITH ALL PRIVILEGES"))
        assert _refused(lambda part=part: InfluxV1(i.url, "other", part.username, part.password).write_lines([LINE]))


def test_the_launched_gateway_writes_with_its_own_user(launched: Stack, unique: str) -> None:
    m = launched.mosquitto
    assert m is not None and launched.influx is not None
    cfg = launched.config(database=unique, topic_prefix=unique)
    launched.start_gateway(cfg, "gw")
    written = load_config_text((launched.workdir / "gw.toml").read_text())
    assert written.influxdb.username == "gateway" and written.influxdb.password != launched.influx.admin_password
    assert publish_readings(m.port, unique, 50, tanks=2, **m.client_kwargs()) == 50
    db = launched.db(cfg)

    def rows() -> int:
        got = db.query("SELECT count(seq) FROM water")
        return int(got[0]["values"][0][1]) if got else 0

    assert wait_for(lambda: rows() == 50, 30), rows()
