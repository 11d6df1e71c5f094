"""The InfluxDB 2.x/3.x write path (``[influxdb] version = 2``) through influxdb-client.

InfluxDB 2/3 cannot run here, so these tests write to ``tests/influx2_standin.py``,
a stand-in that answers as the v2 write API documents.  The broker is the real
Mosquitto of the session.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Iterator

import pytest
from influx2_standin import InfluxV2StandIn

from aquamon.influx import InfluxV2, RejectedWriteError, RetryableWriteError, TooLargeError, connect
from gateway.service import Gateway
from harness.loadgen import publish_readings
from harness.services import Mosquitto, free_port
from harness.stack import Stack, wait_for, wait_gateway_online


@pytest.fixture
def standin() -> Iterator[InfluxV2StandIn]:
    s = InfluxV2StandIn(org="farm", bucket="tanks", token="tok")
    yield s
    s.close()


def test_v2_replies_are_sorted_into_the_same_typed_errors(standin: InfluxV2StandIn) -> None:
    c = InfluxV2(standin.url, "tanks", "farm", "tok", timeout=5)
    c.write_lines(["water,device=d,tank=t temp_c=25.0 1700000000000"])
    assert list(standin.points) == [("water,device=d,tank=t", 1700000000000)]
    cases = [(429, "7", RetryableWriteError, 7.0), (503, None, RetryableWriteError, None),
             (413, None, TooLargeError, None)]
    for status, retry_after, kind, wait in cases:
        standin.fail(status, 1, retry_after)
        with pytest.raises(kind) as e:
            c.write_lines(["water,device=d,tank=t temp_c=25.0 1700000000001"])
        assert e.value.status == status and e.value.retry_after == wait
    with pytest.raises(RejectedWriteError, match="unable to parse"):
        c.write_lines(["water temp_c=25.0 not-a-time"])
    with pytest.raises(RetryableWriteError, match="credentials"):
        InfluxV2(standin.url, "tanks", "farm", "wrong").write_lines(["m f=1 1"])
    with pytest.raises(RetryableWriteError, match="bucket"):
        InfluxV2(standin.url, "nope", "farm", "tok").write_lines(["m f=1 1"])
    with pytest.raises(RetryableWriteError, match="no reply"):
        InfluxV2(f"http://127.0.0.1:{free_port()}", "tanks", "farm", "tok", timeout=2).write_lines(["m f=1 1"])
    assert standin.requests[0] == (204, 1)


@pytest.mark.services
def test_gateway_writes_through_v2_and_rides_out_503s(tmp_path, mosquitto: Mosquitto, influxdb, unique: str,
                                                     standin: InfluxV2StandIn) -> None:
    stack = Stack(tmp_path, mosquitto=mosquitto, influx=influxdb)
    cfg = stack.config(topic_prefix=unique)
    cfg.mqtt.username, cfg.mqtt.password = stack.service_credentials("gateway", unique)
    cfg.influxdb = replace(cfg.influxdb, version=2, url=standin.url, org="farm", bucket="tanks", token="tok")
    cfg.gateway = replace(cfg.gateway, instance=unique)
    cfg.check()
    assert isinstance(connect(cfg.influxdb), InfluxV2)
    standin.fail(503, times=3, retry_after="1")
    gw = Gateway(cfg)
    runner = threading.Thread(target=gw.run, daemon=True)
    runner.start()
    try:
        wait_gateway_online(cfg, unique, observer=mosquitto.admin_credentials())
        n = 1500
        assert publish_readings(mosquitto.port, unique, n, tanks=3, **mosquitto.client_kwargs()) == n
        water = lambda: sum(1 for series, _ in standin.points if series.startswith("water,"))  # noqa: E731
        assert wait_for(lambda: water() == n, 30), (water(), gw.stats_fields())
        assert [s for s, _ in standin.requests].count(503) == 3
        # (the stand-in stores the points a moment before the gateway reads its reply)
        assert wait_for(lambda: gw.counters["written"] >= n, 5), gw.stats_fields()
        assert gw.counters["write_retries"] >= 1
        assert wait_for(lambda: any(series.startswith("gateway,") for series, _ in standin.points), 10)
    finally:
        gw.stop()
        runner.join(20)
    assert not runner.is_alive()
    time.sleep(0.1)
