"""analytics/service.py without servers: how the loop is put together (the loop itself runs in
test_analytics_batched_service.py, test_analytics_storage_errors.py and test_alerts_e2e.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.service import Analytics
from aquamon.config import Config
from aquamon.influx import InfluxV1, InfluxV2


@pytest.mark.parametrize("version, client", [(1, InfluxV1), (2, InfluxV2)])
def test_one_client_from_the_influxdb_section_as_the_gateway_builds_it(version: int, client: type) -> None:
    cfg = Config()
    cfg.influxdb = replace(cfg.influxdb, version=version, org="home", bucket="aquamon", token="t0ken")
    cfg.check()
    a = Analytics(cfg)  # no I/O until run()
    assert type(a.db) is client
    assert a.reader.db is a.db and a.state.db is a.db and a.notifier.store.db is a.db  # type: ignore[union-attr]


def test_a_device_heard_before_any_data_is_remembered_not_judged() -> None:
    a = Analytics(Config())
    a.link.heard("aquamon/t1/esp/status", b'{"online": false}')
    a._take_heard()
    assert a.monitors["t1"].device_online == {"esp": False}
    assert not a.monitors["t1"].firing("device_offline") and a.outbox.lines == []
