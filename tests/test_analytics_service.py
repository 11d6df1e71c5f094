"""analytics.service.Analytics: what it is built from (no I/O until it runs)."""

from __future__ import annotations

from analytics.service import Analytics
from aquamon.config import load_config_text
from aquamon.influx import InfluxV1, InfluxV2


def test_the_analytics_store_follows_influxdb_version() -> None:
    v1 = Analytics(load_config_text('[influxdb]\nurl = "http://127.0.0.1:1"\ndatabase = "fish"\n'))
    assert isinstance(v1.db, InfluxV1) and v1.db.database == "fish"
    v2 = Analytics(load_config_text('[influxdb]\nversion = 2\nurl = "http://127.0.0.1:1"\norg = "o"\n'
                                    'bucket = "tanks"\ntoken = "t0ken"\n'))
    assert isinstance(v2.db, InfluxV2) and (v2.db.bucket, v2.db.token) == ("tanks", "t0ken")
    assert v2.state.db is v2.db  # the saved state goes to the same store
