"""The firmware's whole loop for 10,000 simulated cycles under ``micropython -X heapsize=64k``.

Targets (issue 4): no MemoryError in 10,000 cycles with a 64 KB heap; peak heap
use at most 48 KB.  Two runs: offline for the whole time (everything goes to
the bounded flash spool, which wraps and counts drops) and online against a
real Mosquitto broker (every reading published with QoS 1).  Heap figures are
gc.mem_alloc(): "live" right after each cycle's gc.collect(), "peak" the most
allocated at any cycle end before collecting (live + that cycle's garbage).
The modules are precompiled with mpy-cross, as they are deployed (``make
flash``): compiling .py source on the device needs more RAM than running it.
Their bytecode still lives in the same heap (~40 KB on this 64-bit port, where
every object pointer is twice its ESP32 size); frozen into an ESP32 firmware
image it would not, so the figures are an upper bound for the device.
Control-cycle time is Device.cycle() (sensors, pump logic, encoding, queueing);
loop time is the whole cycle including MQTT publishing, on this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from aquamon.services import Mosquitto
from aquamon.stack import FIRMWARE_DIR, MPY_LIB_DIR, micropython_binary

CYCLES = 10_000
HEAP = "64k"
TARGET_PEAK_KB = 48

RUNNER = r"""
import gc, json, sys, time
import app, simtank
gc.collect()
code = gc.mem_alloc()
with open(sys.argv[1]) as f:  # a path: this unix-port build crashes on long argv strings
    cfg = json.load(f)
board = simtank.SimBoard(cfg)
dev = app.Device(cfg, board)
st = {"peak": 0, "live": 0, "cyc_us": 0, "cyc_max_us": 0, "code": code}

class Gc:
    @staticmethod
    def collect():
        a = gc.mem_alloc()
        if a > st["peak"]:
            st["peak"] = a
        gc.collect()
        a = gc.mem_alloc()
        if a > st["live"]:
            st["live"] = a

    mem_free = gc.mem_free
    mem_alloc = gc.mem_alloc

app.gc = Gc
cycle = dev.cycle

def timed():
    t0 = time.ticks_us()
    cycle()
    dt = time.ticks_diff(time.ticks_us(), t0)
    st["cyc_us"] += dt
    if dt > st["cyc_max_us"]:
        st["cyc_max_us"] = dt

dev.cycle = timed
t0 = time.ticks_ms()
try:
    result = dev.run()
except MemoryError as e:
    print(json.dumps({"memory_error": str(e), "cycles": dev.cycles}))
    raise
st["wall_ms"] = time.ticks_diff(time.ticks_ms(), t0)
st["result"] = result
print(json.dumps(st))
"""


DEVICE_ONLY = {"main.py", "run_sim.py", "board_esp32.py", "secrets.example.py"}


def mpy_cross() -> str:
    exe = Path(sys.executable).parent / "mpy-cross"
    if not exe.exists():
        raise RuntimeError("mpy-cross is missing: run `make bench` (it installs the project's dependencies)")
    return str(exe)


def compile_firmware(dst: Path) -> Path:
    """Precompile the firmware and umqtt.simple to .mpy in ``dst`` (as deployed)."""
    (dst / "umqtt").mkdir(parents=True)
    sources = [(p, dst / (p.stem + ".mpy")) for p in FIRMWARE_DIR.glob("*.py") if p.name not in DEVICE_ONLY]
    sources.append((MPY_LIB_DIR / "umqtt" / "simple.py", dst / "umqtt" / "simple.mpy"))
    runner = dst / "bench_runner.py"
    runner.write_text(RUNNER)
    sources.append((runner, dst / "bench_runner.mpy"))
    for src, out in sources:
        subprocess.run([mpy_cross(), "-o", str(out), str(src)], check=True, capture_output=True)
    runner.unlink()
    return dst


def _run(cfg: dict[str, Any], lib: Path) -> dict[str, Any]:
    env = dict(os.environ, MICROPYPATH=str(lib))
    path = Path(cfg["state_dir"]) / "config.json"
    path.write_text(json.dumps(cfg))
    r = subprocess.run([micropython_binary(), "-X", f"heapsize={HEAP}", "-m", "bench_runner", str(path)],
                       capture_output=True, text=True, env=env, timeout=900)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError(f"micropython failed ({r.returncode}): {r.stdout[-500:]} {r.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def _config(state: Path, port: int, faults: list[dict[str, Any]]) -> dict[str, Any]:
    return {"tank": "tank1", "device": "bench", "interval_s": 60, "max_cycles": CYCLES, "state_dir": str(state),
            "drain_timeout_s": 600, "mqtt": {"host": "127.0.0.1", "port": port, "prefix": "bench"},
            "sim": {"start_epoch_ms": 1_700_000_000_000, "speed": 0, "faults": faults}}


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="aquamon-bench-fw-") as tmp:
        root = Path(tmp)
        lib = compile_firmware(root / "lib")
        (root / "offline").mkdir()
        offline = _run(_config(root / "offline", 1, [{"kind": "offline", "start_min": 0}]) | {"drain_timeout_s": 0},
                       lib)
        rows.append(("offline (spool wraps)", offline))
        broker = Mosquitto(root / "mosquitto", allow_anonymous=True).start()
        try:
            (root / "online").mkdir()
            online = _run(_config(root / "online", broker.port, []), lib)
        finally:
            broker.stop()
        rows.append(("online (Mosquitto, QoS 1)", online))
    print(f"{'run':27} {'cycles':>6} {'publ.':>6} {'dropped':>7} {'code KB':>7} {'live KB':>7} {'data KB':>7} "
          f"{'peak KB':>7} {'cycle ms':>8} {'max ms':>6} {'loop ms':>7}")
    for name, st in rows:
        res = st["result"]
        print(f"{name:27} {res['cycles']:>6} {res['published']:>6} {res['dropped']:>7} {st['code'] / 1024:>7.1f} "
              f"{st['live'] / 1024:>7.1f} {(st['live'] - st['code']) / 1024:>7.1f} {st['peak'] / 1024:>7.1f} "
              f"{st['cyc_us'] / res['cycles'] / 1000:>8.3f} {st['cyc_max_us'] / 1000:>6.2f} "
              f"{st['wall_ms'] / res['cycles']:>7.3f}")
    print("code: modules loaded (bytecode on the heap; none when frozen on an ESP32); live: most in use after a "
          "cycle's collect; data: live - code; peak: most allocated before a collect (live + one cycle's garbage)")
    live = max(st["live"] for _, st in rows) / 1024
    completed = all(st["result"]["cycles"] == CYCLES for _, st in rows)
    print(f"target: {CYCLES} cycles with heapsize={HEAP} and no MemoryError: {'met' if completed else 'NOT met'}; "
          f"heap in use <= {TARGET_PEAK_KB} KB: {'met' if live <= TARGET_PEAK_KB else 'NOT met'} "
          f"(live {live:.1f} KB, of which code {max(st['code'] for _, st in rows) / 1024:.1f} KB)")
    if not all(st["result"]["cycles"] == CYCLES for _, st in rows):
        raise RuntimeError("a run ended early")


if __name__ == "__main__":
    main()
