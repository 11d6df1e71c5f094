# TDS/EC calibration by signed command (calib.command hands {"sensor": "tds", ...} here):
#   {"sensor": "tds", "step": "point", "ppm": "342"}  the probe sits in a standard solution:
#                                                     its factor is fitted, stored and applied
#   {"sensor": "tds", "step": "start" / "save" / "cancel"}  the session's other steps (app.py
#                                                     marks the probe under calibration)
# A module of its own, imported for the command and dropped after it: its code is not in
# a 64 KB heap during a pH session, whose fit is the calibration's memory peak.

import json

import sensors
from store import atomic_write, read_json


def command(args, path, measure, k_now):
    """One TDS step; ``measure()`` reads the probe now (ppm with its factor ``k_now``).
    Returns (the ack text, the new k factor or None when unchanged)."""
    step = args.get("step")
    if step in ("save", "cancel", "start"):
        return "TDS/EC calibration: " + step, None
    if step != "point":
        raise ValueError("step must be start, point, save or cancel")
    try:
        known = float(args.get("ppm"))
    except (TypeError, ValueError):
        raise ValueError('ppm must be the standard solution\'s TDS as a string, e.g. "342"')
    measured = measure()
    if not 10.0 <= known <= 5000.0 or measured is None or measured <= 0.0:
        raise ValueError("TDS calibration needs a standard of 10-5000 ppm and a probe that reads it")
    k = k_now * known / measured
    if not 0.5 <= k <= 2.0:
        raise sensors.CalibrationError(
            "TDS factor %.2f is outside 0.5-2: a wrong or spent standard solution, or a faulty probe" % k)
    doc = read_json(path)  # this probe's member of calibration.json; the pH calibration kept
    doc["tds"] = {"k_factor": k}
    atomic_write(path, json.dumps(doc))
    return "TDS/EC calibrated: the %.0f ppm standard read %.0f ppm, factor %.3f (stored)" % (known, measured, k), k
