# The simulated tank's outlets under the real firmware loop (the MicroPython binary runs
# this): a heater whose thermostat sticks is cut off by the device before the water is in
# danger; the top-off keeps up with evaporation until the reservoir runs dry, then locks out.
import os

import app
import mpytest
import simtank

DIR = "/tmp/aquamon-mpy-simout-%d" % (os.getpid() if hasattr(os, "getpid") else 0)


def run(extra, faults, cycles):
    mpytest.fresh_dir(DIR)
    cfg = {"tank": "t", "device": "d", "state_dir": DIR, "max_cycles": cycles, "drain_timeout_s": 0,
           "mqtt": {"port": 1}, "pump": {"min_off_s": 0},
           "sim": {"start_epoch_ms": 1700000000000, "faults": [{"kind": "offline"}] + faults, "seed": 3}}
    cfg.update(extra)
    board = simtank.SimBoard(cfg)
    d = app.Device(cfg, board)
    temps, levels, events = [], [], []
    read = board.read_sensors
    board.read_sensors = lambda: (temps.append(board.tank.true_values()["temp_c"]),
                                  levels.append(board.tank.true_values()["level_cm"]), read())[2]
    event = d.event
    d.event = lambda kind, detail, cause="": (events.append((kind, detail)), event(kind, detail, cause))
    d.run()
    return board, temps, levels, events


STUCK = [{"kind": "heater_stuck", "start_min": 60, "end_min": 240, "rate_c_per_h": 3.0}]


def test_without_the_guard_a_stuck_heater_cooks_the_water():
    board, temps, levels, events = run({}, STUCK, 300)
    assert max(temps) > 33.0


def test_the_guard_cuts_a_stuck_heater_off_before_the_water_is_in_danger():
    guard = {"heater": {"enabled": True, "cutoff_c": 27.0, "rearm_c": 1.0, "min_off_s": 600}}
    board, temps, levels, events = run(guard, STUCK, 300)
    kinds = [k for k, _ in events]
    assert "heater_cutoff" in kinds and max(temps) < 27.2, (max(temps), kinds)
    cut = [d for k, d in events if k == "heater_cutoff"][0]
    assert cut.startswith("heater switched off at 27.0 C") or cut.startswith("heater switched off at 27.1 C"), cut
    assert board.outlets["heater"] is False  # the finally


def test_the_top_off_follows_evaporation_then_locks_out_on_an_empty_reservoir():
    ato = {"topoff": {"enabled": True, "fill_below_cm": 29.6, "fill_to_cm": 29.9, "max_run_s": 600, "rise_s": 120,
                      "daily_cap_l": 20.0, "min_rise_cm": 0.2}, "interval_s": 60,
           "sim": {"start_epoch_ms": 1700000000000, "evap_cm_per_day": 24.0, "reservoir_l": 12.0, "seed": 3,
                   "faults": [{"kind": "offline"}]}}
    board, temps, levels, events = run(ato, [], 600)
    kinds = [k for k, _ in events]
    assert kinds.count("topoff_lockout") == 1 and "reservoir is empty" in [d for k, d in events
                                                                         if k == "topoff_lockout"][0]
    first_hours = levels[:240]  # 12 l of reservoir: about 6 cm of evaporation made up
    assert min(first_hours) > 29.3, min(first_hours)
    assert board.tank.reservoir_l < 0.01 and levels[-1] < 29.0  # then the sump falls, the device waits


mpytest.run(globals())
