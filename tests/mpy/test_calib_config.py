import os

import calib
import devconfig
import mpytest
import sensors
import store

PATH = "/tmp/aquamon-mpy-calib-%d.json" % (os.getpid() if hasattr(os, "getpid") else 0)


def probe(slope_pct, offset_mv, temp_c):
    state = {"ph": 7.0}

    def mv():
        return offset_mv - (state["ph"] - 7.0) * sensors.nernst_mv_per_ph(temp_c) * slope_pct / 100.0

    return state, mv


def _clean():
    try:
        os.remove(PATH)
    except OSError:
        pass


def step(points, args, mv, temp_c):
    return calib.command(points, args, PATH, mv, temp_c)


def test_point_point_save_stores_and_survives_reboot():
    _clean()
    points = []
    state, mv = probe(95.0, -12.0, 23.0)
    for b in ("4.01", "6.86", "9.18"):
        state["ph"] = float(b)
        msg, fit = step(points, {"sensor": "ph", "step": "point", "buffer": b}, mv, 23.0)
        assert msg.startswith("pH point") and fit is None
    assert len(points) == 3
    msg, (mv7, slope) = step(points, {"sensor": "ph", "step": "save"}, mv, 23.0)
    assert "slope 95.0 %" in msg and "-12.0 mV" in msg and points == []  # the session ended
    assert abs(mv7 + 12.0) < 0.01 and abs(slope - 95.0) < 0.01
    # what a board reads at boot without importing calib
    assert sensors.ph_calibration(store.read_json(PATH)) == (mv7, slope)
    _clean()
    assert sensors.ph_calibration(store.read_json(PATH)) == (0.0, 100.0)  # none stored: the ideal probe


def test_tds_is_calibrated_by_command_and_kept_beside_the_ph_calibration():
    _clean()
    points = []
    state, mv = probe(97.0, 5.0, 25.0)
    for b in ("4.0", "7.0"):
        state["ph"] = float(b)
        step(points, {"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    step(points, {"sensor": "ph", "step": "save"}, mv, 25.0)
    msg, k = calib.command([], {"sensor": "tds", "step": "point", "ppm": "342"}, PATH, lambda: 300.0, 25.0, 1.1)
    assert abs(k - 1.1 * 342 / 300) < 1e-9 and "factor 1.254" in msg
    doc = store.read_json(PATH)
    assert abs(doc["tds"]["k_factor"] - k) < 1e-9 and abs(sensors.ph_calibration(doc)[1] - 97.0) < 0.01
    try:  # a standard read at a third of its value: a wrong solution, not a factor to store
        calib.command([], {"sensor": "tds", "step": "point", "ppm": "1000"}, PATH, lambda: 300.0, 25.0, 1.0)
    except sensors.CalibrationError as e:
        assert "outside 0.5-2" in str(e)
    else:
        raise AssertionError("a factor of 3.3 was stored")
    assert abs(store.read_json(PATH)["tds"]["k_factor"] - k) < 1e-9
    mpytest.raises(ValueError, calib.command, [], {"sensor": "tds", "step": "point", "ppm": "x"}, PATH,
                   lambda: 300.0, 25.0)
    assert calib.command([], {"sensor": "tds", "step": "save"}, PATH, lambda: 1 / 0, 25.0) == \
        ("TDS/EC calibration: save", None)
    _clean()


def test_calib_is_in_the_heap_only_during_a_command():
    import sys

    import simtank

    _clean()
    board = simtank.SimBoard({"state_dir": "/tmp", "sim": {"ph_slope_pct": 96.0}})
    sys.modules.pop("calib", None)
    board.state_dir = PATH[:-5] + "-board"  # its own calibration.json
    mpytest.fresh_dir(board.state_dir)
    for b in ("4.01", "6.86"):
        board.calibrate({"sensor": "ph", "step": "point", "buffer": b})
        assert "calib" not in sys.modules  # mid-session too: the board keeps only the points
    assert len(board.ph_points) == 2
    assert "stored" in board.calibrate({"sensor": "ph", "step": "save"})
    assert "calib" not in sys.modules and board.ph_points == []
    board.calibrate({"sensor": "ph", "step": "point", "buffer": "4.01"})
    mpytest.raises(ValueError, board.calibrate, {"sensor": "ph", "step": "save"})  # 1 point: refused
    assert "calib" not in sys.modules and board.ph_points == []  # a refused save ends the session too
    board.calibrate({"sensor": "ph", "step": "point", "buffer": "4.01"})
    assert "cancelled" in board.calibrate({"sensor": "ph", "step": "cancel"}) and board.ph_points == []
    mpytest.fresh_dir(board.state_dir)


def test_worn_probe_is_refused_and_the_old_calibration_kept():
    _clean()
    points = []
    state, mv = probe(97.0, 0.0, 25.0)
    for b in ("4.0", "7.0"):
        state["ph"] = float(b)
        step(points, {"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    step(points, {"sensor": "ph", "step": "save"}, mv, 25.0)
    state, mv = probe(70.0, 0.0, 25.0)
    for b in ("4.0", "7.0"):
        state["ph"] = float(b)
        step(points, {"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    try:
        step(points, {"sensor": "ph", "step": "save"}, mv, 25.0)
    except sensors.CalibrationError as e:
        assert "70.0 %" in str(e) and "replace the probe" in str(e)
    else:
        raise AssertionError("a 70 % slope was stored")
    assert abs(sensors.ph_calibration(store.read_json(PATH))[1] - 97.0) < 0.01
    mpytest.raises(ValueError, step, points, {"sensor": "ph", "step": "point", "buffer": "abc"}, mv, 25.0)
    mpytest.raises(ValueError, step, points, {"sensor": "orp", "step": "save"}, mv, 25.0)
    for b in ("4.0", "7.0", "10.0"):
        step(points, {"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    mpytest.raises(ValueError, step, points, {"sensor": "ph", "step": "point", "buffer": "7.0"}, mv, 25.0)
    assert len(points) == 3  # a fourth point is refused, the three kept
    _clean()


def test_config_defaults_and_errors():
    cfg, errors = devconfig.validate({"tank": "t1", "device": "d1"})
    assert errors == [] and cfg["interval_s"] == 60 and cfg["pump"]["min_off_s"] == 10
    cfg, errors = devconfig.validate({"tank": "t 1", "interval_s": "60", "pump": {"max_faults_per_hour": 0,
                                                                                  "flow_grace": 5},
                                      "mqtt": {"port": 70000}, "intervall_s": 5})
    text = " | ".join(errors)
    assert cfg["tank"] == "tank1" and cfg["interval_s"] == 60 and cfg["pump"]["max_faults_per_hour"] == 3
    assert cfg["mqtt"]["port"] == 1883
    for needle in ("interval_s must be int", "pump.max_faults_per_hour must be between 1 and 60",
                   "unknown key pump.flow_grace", "mqtt.port must be between", "unknown key intervall_s",
                   "tank must be letters"):
        assert needle in text, needle
    assert len(errors) == 6


def test_the_command_key_becomes_bytes_at_boot():
    cfg, errors = devconfig.validate({"cmd": {"key": " " + "ab" * 32 + "\n"}})  # 64 hex digits
    assert errors == [] and cfg["cmd"]["key"] == b"\xab" * 32
    cfg, errors = devconfig.validate({"cmd": {"key": "a text key of 24 bytes.."}})
    assert errors == [] and cfg["cmd"]["key"] == b"a text key of 24 bytes.."
    cfg, errors = devconfig.validate({"cmd": {"key": "short"}})
    assert cfg["cmd"]["key"] == b"" and "at least 16 bytes" in errors[0] and "disabled" in errors[0]
    assert devconfig.validate({})[0]["cmd"]["key"] == b""  # no key: commands off


mpytest.run(globals())
