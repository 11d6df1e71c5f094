"""Real services for the tests: our own Mosquitto and InfluxDB on free loopback ports.

Started once per session in a temporary folder and stopped by PID.  Tests share
them but never each other's data: each test gets its own database and MQTT
topic prefix.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness.services import FARM_AUTOSAVE_CHANGES, InfluxDB1, Mosquitto
from harness.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
# tests/mpy holds MicroPython test scripts: run under the micropython binary by
# test_firmware_micropython.py, never imported by CPython.
collect_ignore = ["mpy"]
SHARED_DATA = ROOT.parent / "shared" / "data"


# Files that read one run made once per session (a worker's session under pytest-xdist): each pair
# goes to one worker, so the run is made once (the demo ~40 s, the simulated pipeline ~15 s).
SHARED_RUN_FILES = {
    "tests/test_security_secrets.py": "tests/test_demo.py",  # short_demo
    "tests/test_report.py": "tests/test_grafana_dashboards.py",  # test_grafana_dashboards.pipeline_run
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`make test` runs two workers (``-n 2 --dist loadfile``): one worker runs a whole file.

    So a file's module fixtures are made once, as without workers, and the files of
    :data:`SHARED_RUN_FILES` share a worker with the file whose run they read.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedRunScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SHARED_RUN_FILES.get(file, file)

    return SharedRunScheduling(config, log)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    # Authenticated like the product's brokers: no client gets in without an account
    # (the Stack gives the gateway, analytics and each device its own; observers in
    # tests log in with mosquitto.client_kwargs(), an admin account), so a part that
    # forgets its credentials fails here as it would in a deployment.
    # It saves its database after every FARM_AUTOSAVE_CHANGES changes, not every one: the
    # tests that crash a broker start their own with the product's setting (save every change).
    m = Mosquitto(tmp_path_factory.mktemp("mosquitto"), allow_anonymous=False,
                  autosave_changes=FARM_AUTOSAVE_CHANGES).start()
    yield m
    m.stop()


@pytest.fixture(scope="session")
def influxdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDB1]:
    i = InfluxDB1(tmp_path_factory.mktemp("influxdb")).start()
    yield i
    i.stop()


@pytest.fixture
def unique() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
def stack(tmp_path: Path, mosquitto: Mosquitto, influxdb: InfluxDB1) -> Iterator[Stack]:
    s = Stack(tmp_path, mosquitto=mosquitto, influx=influxdb)
    yield s
    s.stop_all()


@pytest.fixture(scope="session")
def short_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, "subprocess.CompletedProcess[str]"]:
    """`aquamon demo --serve` over 27 simulated hours as fast as it goes: its output folder and what it printed.

    One run for the session: the demo's report and its secrets are checked by different tests
    (tests/test_demo.py, tests/test_security_secrets.py), and a run takes about 40 s.  Once it serves,
    the device (going on in real time) is sent a signed command as the web app's buttons send them,
    its answer is written to ``serve-command.out`` beside the folder, and Ctrl-C ends the demo.
    """
    import json
    import signal

    out = tmp_path_factory.mktemp("short-demo") / "demo"
    args = [sys.executable, "-m", "aquamon", "demo", "--hours", "27", "--speed", "0", "--out", str(out), "--serve"]
    # started as a background job is (SIGINT ignored), as under a test runner's worker: Ctrl-C must still stop it
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    printed = []
    assert p.stdout is not None
    for line in p.stdout:  # until the demo serves (or ends)
        printed.append(line)
        if line.startswith("--serve:"):
            break
    if p.poll() is None:
        fw = json.loads((out / "firmware-serve.json").read_text())
        key = out.parent / "device.key"
        key.write_text(fw["cmd"]["key"] + "\n")
        answer = subprocess.run([sys.executable, "-m", "aquamon", "command", fw["tank"], fw["device"], "feed",
                                 "minutes=5", "--key-file", str(key), "--config", str(out / "keeper.toml")],
                                capture_output=True, text=True, timeout=60)
        (out.parent / "serve-command.out").write_text(f"{answer.returncode}\n{answer.stdout}{answer.stderr}")
        p.send_signal(signal.SIGINT)
    rest, err = p.communicate(timeout=120)
    return out, subprocess.CompletedProcess(args, p.returncode, "".join(printed) + rest, err)
