"""Firmware logic under CPython: the pump's safety properties over every reachable
state and input sequence (hypothesis stateful testing), HMAC and the canonical
command form cross-checked between the firmware (run under MicroPython) and
CPython's hmac / aquamon.commands, and the simulated tank's fault kinds."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from aquamon import commands
from harness.stack import FIRMWARE_DIR

sys.path.insert(0, str(FIRMWARE_DIR))
import pump  # firmware modules, importable under CPython
import pumpmode
import simtank
from test_firmware_micropython import run_mpy
from ticks import ticks_add, ticks_diff

PERIOD = 60_000
CFG = pump.PumpConfig(flow_min_lpm=1.0, flow_grace_ms=20_000, retry_base_ms=60_000, retry_max_ms=600_000,
                      max_faults_per_hour=3, max_on_ms=1_200_000, rest_ms=300_000, min_off_ms=30_000,
                      feed_max_ms=3_600_000)


class PumpSafety(RuleBasedStateMachine):
    """Drive the pure pump function with arbitrary inputs and keeper actions; check the safety rules."""

    @initialize(start=st.integers(0, 3 * 3_600_000))
    def start(self, start: int) -> None:
        self.s = pump.PumpState()
        self.now = ticks_add(0, -start)  # begin before the ticks wrap: the arithmetic must not care
        self.last_stop: int | None = None
        self.fault_times: list[int] = []
        self.flow_low_since: int | None = None
        self.feed_until: int | None = None
        self.level: bool | None = False
        self.flow: float | None = 8.0

    def _observe(self, was_on: bool, events: list[tuple[str, str]]) -> None:
        s = self.s
        if was_on and not s.on:
            self.last_stop = self.now
        if not was_on and s.on:
            # never restarted sooner than min_off after a stop (no short-cycling)
            if self.last_stop is not None:
                assert ticks_diff(self.now, self.last_stop) >= CFG.min_off_ms
        for kind, _ in events:
            if kind == "fault" and _ != "" and "flow" in _:
                self.fault_times.append(self.now)
        recent = [t for t in self.fault_times if ticks_diff(self.now, t) < 3_600_000]
        # never more flow-fault restarts than allowed: the Nth fault in an hour locks out
        assert len(recent) <= CFG.max_faults_per_hour
        if len(recent) == CFG.max_faults_per_hour:
            assert s.lockout and not s.on

    # the water and the flow sensor change now and then and stay as they are for many steps,
    # so long stretches (no flow for minutes, a low sump for an hour) are reached often
    @rule(level=st.sampled_from([False, True, None]))
    def water(self, level: bool | None) -> None:
        self.level = level

    @rule(flow=st.sampled_from([8.0, 0.5, 0.0, None]))
    def flow_sensor(self, flow: float | None) -> None:
        self.flow = flow

    @rule(dt=st.integers(1, PERIOD), repeat=st.integers(1, 20))
    def step(self, dt: int, repeat: int) -> None:
        for _ in range(repeat):
            self._step(self.level, self.flow, dt)

    def _step(self, level: bool | None, flow: float | None, dt: int) -> None:
        self.now = ticks_add(self.now, dt)
        was_on, was_locked = self.s.on, self.s.lockout
        measured = flow if self.s.on else 0.0
        events = pump.step(self.s, CFG, level, measured, self.now)
        # the sump low (or its sensor failed) -> off in the very step that sees it
        if level is not False:
            assert not self.s.on
        # a lockout never goes away by itself
        if was_locked:
            assert self.s.lockout
        if self.s.on and (flow is None or flow < CFG.flow_min_lpm):
            self.flow_low_since = self.flow_low_since if self.flow_low_since is not None else self.now
            # on without flow never longer than the grace time plus one period
            assert ticks_diff(self.now, self.flow_low_since) < CFG.flow_grace_ms + PERIOD
        else:
            self.flow_low_since = None
        self._observe(was_on, events)
        if self.s.on:  # never on longer than max_on (checked once per period)
            assert ticks_diff(self.now, self.s.on_since) < CFG.max_on_ms + PERIOD
        # feed always ends, at the time asked for (capped by feed_max)
        if self.feed_until is not None and ticks_diff(self.now, self.feed_until) >= 0:
            assert self.s.mode != pump.FEED
            self.feed_until = None

    @rule(mode=st.sampled_from(pump.MODES), minutes=st.one_of(st.integers(1, 5), st.integers(1, 600)))
    def set_mode(self, mode: str, minutes: int) -> None:
        was_on, was_locked = self.s.on, self.s.lockout
        events = pumpmode.set_mode(self.s, CFG, mode, self.now, minutes)
        assert self.s.lockout == was_locked  # a mode change never clears a lockout
        if mode != pump.AUTO:
            assert not self.s.on
        if mode == pump.FEED:  # a new feed restarts the pause
            self.feed_until = ticks_add(self.now, min(minutes * 60_000, CFG.feed_max_ms))
        else:
            self.feed_until = None
        self._observe(was_on, events)

    @rule(minutes=st.integers(1, 5))
    def short_feed(self, minutes: int) -> None:
        self.set_mode(pump.FEED, minutes)

    @rule(source=st.sampled_from(["command", "button", "network", "timer"]))
    def clear(self, source: str) -> None:
        was_locked = self.s.lockout
        if source in ("command", "button"):
            pumpmode.clear_lockout(self.s, source, self.now)
            assert not self.s.lockout
            self.fault_times = []
        else:
            with pytest.raises(ValueError):
                pumpmode.clear_lockout(self.s, source, self.now)
            assert self.s.lockout == was_locked

    @invariant()
    def on_only_when_allowed(self) -> None:
        if hasattr(self, "s") and self.s.on:
            assert self.s.mode == pump.AUTO and not self.s.lockout and not self.s.interlock


PumpSafety.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
TestPumpSafety = PumpSafety.TestCase


def test_a_pump_that_never_moves_water_ends_in_lockout() -> None:
    # the stateful test above shows nothing bad happens; this shows the bad case is reached at all
    s = pump.PumpState()
    now, kinds = 0, []
    for _ in range(300):
        kinds += [k for k, _ in pump.step(s, CFG, False, 0.0, now)]
        now += 10_000
    assert kinds.count("fault") == CFG.max_faults_per_hour and kinds[-1] == "lockout"


# -- HMAC and the canonical form: firmware under MicroPython vs CPython -------------------------------

def _random_value(rnd: random.Random, depth: int = 0) -> Any:
    alphabet = "aZ09 _-.:/\"\\{}[],é€😀"
    kind = rnd.randrange(6 if depth < 2 else 4)
    if kind == 0:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(12)))
    if kind == 1:
        return rnd.randrange(-10**12, 10**12)
    if kind == 2:
        return rnd.choice([True, False, None])
    if kind == 3:
        return str(rnd.randrange(1000)) + "." + str(rnd.randrange(100))
    if kind == 4:
        return [_random_value(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    return {"".join(rnd.choice("abcXYZ_é") for _ in range(1 + rnd.randrange(5))): _random_value(rnd, depth + 1)
            for _ in range(rnd.randrange(4))}


def test_hmac_and_canonical_form_match_cpython() -> None:
    rnd = random.Random(4)
    cases = []
    for i in range(150):
        key = bytes(rnd.randrange(256) for _ in range(rnd.choice([16, 32, 63, 64, 65, 200])))
        msg = bytes(rnd.randrange(256) for _ in range(rnd.randrange(300)))
        args = {"k%d" % j: _random_value(rnd) for j in range(rnd.randrange(5))}
        cases.append({"key": key.hex(), "msg": msg.hex(), "id": "c%d-\"x\"" % i, "ts": 1_700_000_000_000 + i,
                      "args": args})
    code = (
        "import sys, json, binascii, cmdauth\n"
        "for line in sys.stdin:\n"
        "    c = json.loads(line)\n"
        "    k = binascii.unhexlify(c['key']); m = binascii.unhexlify(c['msg'])\n"
        "    can = cmdauth.canonical('tank1', 'esp-1', c['id'], c['ts'], 'pump', c['args'])\n"
        "    print(json.dumps([binascii.hexlify(cmdauth.hmac_sha256(k, m)).decode(), binascii.hexlify(can).decode()]))\n"
    )
    # as aquamon.commands.encode sends them: raw UTF-8, no \\u escapes
    r = run_mpy(["-c", code], stdin="".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases))
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(cases)
    for c, (mac, can) in zip(cases, out):
        assert mac == hmac.new(bytes.fromhex(c["key"]), bytes.fromhex(c["msg"]), hashlib.sha256).hexdigest()
        assert bytes.fromhex(can) == commands.canonical("tank1", "esp-1", c["id"], c["ts"], "pump", c["args"])


def test_a_command_signed_by_the_cli_side_verifies_on_the_device() -> None:
    key = "ab" * 32
    doc = commands.sign_command(bytes.fromhex(key), "tank1", "esp-1", "feed", {"minutes": 10}, ts_ms=1_000_000)
    code = ("import binascii, cmdauth, json, sys\n"
            f"seen = bytearray(8 + cmdauth.ENTRY * 32)\n"
            f"print(cmdauth.verify(json.loads(sys.stdin.read()), binascii.unhexlify('{key}'), 'tank1', 'esp-1', "
            "120000, seen, 1000500))\n")
    r = run_mpy(["-c", code], stdin=json.dumps(doc))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "('%s', 'feed', {'minutes': 10})" % doc["id"]


def test_floats_are_refused_on_both_sides() -> None:
    with pytest.raises(commands.CommandFormatError):
        commands.canonical("t", "d", "i", 1, "calibrate", {"buffer": 6.86})


# -- the simulated tank's faults (used by the alerts tests under CPython) -----------------------------

def _series(faults: list[dict[str, Any]], minutes: int, seed: int = 1) -> list[dict[str, float]]:
    clock = simtank.SimClock(1_700_000_000_000, 0)
    tank = simtank.SimTank(clock, faults, seed)
    out = []
    for _ in range(minutes):
        out.append(tank.read_all())
        clock.sleep_ms(60_000)
    return out


def test_every_fault_kind_changes_what_the_probes_see() -> None:
    healthy = _series([], 240)
    ph_stuck = _series([{"kind": "ph_stuck", "start_min": 100, "end_min": 150}], 240)
    assert len({round(r["ph"], 6) for r in ph_stuck[100:150]}) == 1
    assert len({round(r["ph"], 6) for r in ph_stuck[150:200]}) > 10
    ageing = _series([{"kind": "ph_ageing", "start_min": 0, "rate_per_day": -1.2}], 240)
    assert ageing[239]["ph"] - healthy[239]["ph"] == pytest.approx(-1.2 * 239 / 1440, abs=1e-6)
    wc = _series([{"kind": "water_change", "start_min": 100, "fraction": 0.3}], 240)
    assert wc[100]["tds_ppm"] == pytest.approx(healthy[100]["tds_ppm"] * 0.7, abs=6)
    assert wc[100]["level_cm"] < healthy[100]["level_cm"] - 3 and abs(wc[130]["level_cm"] - healthy[130]["level_cm"]) < 0.5
    blocked = _series([{"kind": "flow_blocked", "start_min": 50, "end_min": 60, "flow_lpm": 0.8}], 70)
    assert all(r["flow_lpm"] < 1.2 for r in blocked[50:60]) and blocked[65]["flow_lpm"] > 7
    clock = simtank.SimClock(0, 0)
    tank = simtank.SimTank(clock, [{"kind": "offline", "start_min": 10, "end_min": 20}])
    up = []
    for _ in range(30):
        up.append(tank.network_up())
        clock.sleep_ms(60_000)
    assert up == [True] * 10 + [False] * 10 + [True] * 10
    stuck_heater = _series([{"kind": "heater_stuck", "start_min": 60, "end_min": 120, "rate_c_per_h": 3.0}], 240)
    assert stuck_heater[119]["temp_c"] - healthy[119]["temp_c"] == pytest.approx(3.0 * 59 / 60, abs=0.15)
    assert 0.5 < stuck_heater[239]["temp_c"] - healthy[239]["temp_c"] < 3.0  # decays, not a step
    header = open(simtank.__file__).read().split("import math")[0]  # the documented fault kinds
    assert all(kind in header for kind in ("offline", "ph_stuck", "ph_ageing", "water_change", "flow_blocked", "sump_low",
                           "pump_stopped", "ph_crash", "heater_stuck"))
