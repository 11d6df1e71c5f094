"""/metrics of the gateway and the analytics follow Prometheus's rules: checked with Prometheus's own
linter (``promtool check metrics``, Debian's ``prometheus`` package) on real scrapes of the running parts."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from gateway.metrics import GatewayMetrics
from harness.loadgen import publish_readings
from harness.services import free_port
from harness.stack import Stack, wait_for


def promtool_problems(text: str) -> str:
    """What ``promtool check metrics`` says of ``text`` ('' when it is clean)."""
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool is not installed: run 'make test' (it installs Debian's prometheus package)")
    r = subprocess.run([exe, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    return "" if r.returncode == 0 and not (r.stdout + r.stderr).strip() else (r.stdout + r.stderr or "exit 1")


def scrape(port: int, host: str = "127.0.0.1") -> str:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as r:
            return r.read().decode()
    except (urllib.error.URLError, OSError):
        return ""


def sample(text: str, name: str) -> float | None:
    """The value of the series ``name`` (with its labels, if any, as written) in ``text``."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_promtool_rejects_what_the_gateway_exported_before() -> None:
    # the old exposition: no HELP, milliseconds, a doubled _total. The check below must be able to fail.
    old = '# TYPE aquamon_gateway_write_ms_total_total counter\naquamon_gateway_write_ms_total_total{instance="g"} 5\n'
    problems = promtool_problems(old)
    assert "no help text" in problems and "abbreviated units" in problems


def test_the_metrics_server_binds_to_the_address_it_is_given() -> None:
    server = GatewayMetrics(lambda: {"received": 1}, "gw").serve("127.0.0.2", 0, lambda: (True, {}))
    try:
        assert "aquamon_gateway_received_total 1.0" in scrape(server.port, "127.0.0.2")
        assert scrape(server.port, "127.0.0.1") == ""  # not on every interface
    finally:
        server.stop()


@pytest.mark.services
def test_a_real_gateway_scrape_passes_promtool(stack: Stack, unique: str) -> None:
    cfg = stack.config(database=unique, topic_prefix=unique)
    cfg.gateway = replace(cfg.gateway, metrics_port=free_port(), instance=unique)
    stack.start_gateway(cfg)
    assert publish_readings(stack.mosquitto.port, unique, 200, tanks=2, **stack.mosquitto.client_kwargs()) == 200
    assert wait_for(lambda: sample(scrape(cfg.gateway.metrics_port), "aquamon_gateway_written_total") == 200, 30)
    text = scrape(cfg.gateway.metrics_port)
    assert promtool_problems(text) == "", text
    assert "_total_total" not in text and "_ms" not in text and "instance=" not in text
    assert "# HELP aquamon_gateway_received_total MQTT messages received." in text
    assert sample(text, "aquamon_gateway_write_duration_seconds_count") >= 1  # the latency histogram
    assert 'aquamon_gateway_write_duration_seconds_bucket{le="+Inf"}' in text
    assert sample(text, "process_resident_memory_bytes") > 0  # process metrics
    assert f'aquamon_gateway_info{{name="{unique}"' in text


@pytest.mark.services
def test_a_real_analytics_scrape_passes_promtool(stack: Stack, unique: str) -> None:
    cfg = stack.config(database=unique, topic_prefix=unique)
    cfg.analytics = replace(cfg.analytics, metrics_port=free_port())
    stack.start_gateway(cfg)
    assert publish_readings(stack.mosquitto.port, unique, 40, tanks=2, **stack.mosquitto.client_kwargs()) == 40
    stack.start_analytics(cfg)
    port = cfg.analytics.metrics_port

    def evaluated() -> bool:
        return (sample(scrape(port), "aquamon_analytics_tanks_evaluated_total") or 0) >= 2

    assert wait_for(evaluated, 60), scrape(port)
    time.sleep(0.5)
    text = scrape(port)
    assert promtool_problems(text) == "", text
    assert sample(text, "aquamon_analytics_cycles_total") >= 1
    assert sample(text, "aquamon_analytics_cycle_duration_seconds_count") >= 1
    for family in ("aquamon_analytics_alerts_firing", "aquamon_analytics_notifications_sent_total",
                   "aquamon_analytics_notifications_failed_total", "process_cpu_seconds_total",
                   "aquamon_analytics_late_data_seconds_total", "aquamon_analytics_writes_rejected_total"):
        assert f"# HELP {family} " in text, family
    assert 'aquamon_analytics_notifications_sent_total{severity="critical"} 0.0' in text
