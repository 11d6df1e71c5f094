import os

import calib
import devconfig
import mpytest
import sensors

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


def test_point_point_save_stores_and_survives_reboot():
    _clean()
    c = calib.Calibrator(PATH)
    state, mv = probe(95.0, -12.0, 23.0)
    for b in ("4.01", "6.86", "9.18"):
        state["ph"] = float(b)
        assert c.command({"sensor": "ph", "step": "point", "buffer": b}, mv, 23.0).startswith("pH point")
    msg = c.command({"sensor": "ph", "step": "save"}, mv, 23.0)
    assert "slope 95.0 %" in msg and "-12.0 mV" in msg
    mv7, slope = calib.Calibrator(PATH).ph()
    assert abs(mv7 + 12.0) < 0.01 and abs(slope - 95.0) < 0.01
    _clean()


def test_worn_probe_is_refused_and_the_old_calibration_kept():
    _clean()
    c = calib.Calibrator(PATH)
    state, mv = probe(97.0, 0.0, 25.0)
    for b in ("4.0", "7.0"):
        state["ph"] = float(b)
        c.command({"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    c.command({"sensor": "ph", "step": "save"}, mv, 25.0)
    state, mv = probe(70.0, 0.0, 25.0)
    for b in ("4.0", "7.0"):
        state["ph"] = float(b)
        c.command({"sensor": "ph", "step": "point", "buffer": b}, mv, 25.0)
    try:
        c.command({"sensor": "ph", "step": "save"}, mv, 25.0)
    except sensors.CalibrationError as e:
        assert "70.0 %" in str(e) and "replace the probe" in str(e)
    else:
        raise AssertionError("a 70 % slope was stored")
    assert abs(calib.Calibrator(PATH).ph()[1] - 97.0) < 0.01
    mpytest.raises(ValueError, c.command, {"sensor": "ph", "step": "point", "buffer": "abc"}, mv, 25.0)
    mpytest.raises(ValueError, c.command, {"sensor": "tds", "step": "save"}, mv, 25.0)
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


mpytest.run(globals())
