# The keeper's calibration session, driven by signed "calibrate" commands:
#   {"sensor": "ph", "step": "start"}                     the probe leaves the water (optional)
#   {"sensor": "ph", "step": "point", "buffer": "6.86"}  record the probe now (it sits in that buffer)
#   {"sensor": "ph", "step": "save"}                      fit 2-3 points, store on flash, apply
#   {"sensor": "ph", "step": "cancel"}                    forget the recorded points
#   {"sensor": "tds", "step": "point", "ppm": "342"}      the TDS/EC probe sits in a standard solution:
#                                                         its factor is fitted, stored and applied
#   {"sensor": "tds", "step": "save"} (or "cancel")       back in the water: the session ends
# Values are strings: signed commands carry no floats.  The results live in
# <state_dir>/calibration.json (written atomically, one member per probe).
# From "start" or the first "point" until "save", "cancel" or SESSION_MS without a
# step, the probe is under calibration: the device leaves its readings out of the
# water's (telemetry "cal": [probe]) and says so with calibration_start/_end events.

# The board reads the stored result at boot with sensors.ph_calibration(store.read_json(...));
# this module is imported by each calibrate command and dropped after it, so its
# code is not in a 64 KB heap otherwise; the session's points live in the board.

import gc
import json
import sys

import sensors
from store import atomic_write, read_json

SESSION_MS = 3600000  # a session left open ends by itself after an hour without a step (app.py)


def calibrate_ph(points, slope_min=85.0, slope_max=105.0):
    """Fit a pH probe from 2 or 3 (buffer_ph, probe_mv, temp_c) points.

    Returns (mv_at_ph7, slope_pct): the probe's potential at pH 7 and its slope
    as a percentage of the ideal Nernst slope.  Raises CalibrationError when
    the points cannot make a calibration or the slope is outside 85-105 %.
    """
    if len(points) < 2 or len(points) > 3:
        raise sensors.CalibrationError("pH calibration needs 2 or 3 buffers (4.01/6.86/9.18 or 4/7/10)")
    # least squares of mv = a + b * x with x = (pH - 7) scaled by each buffer's Nernst
    # factor, so buffers measured at different temperatures fit one line; from running
    # sums, not lists (a 64 KB heap; on a 64-bit port every float is a heap object)
    n = len(points)
    nernst25 = sensors.nernst_mv_per_ph(25.0)
    lo = hi = points[0][0]
    sx = sy = sxx = sxy = 0.0
    for ph, mv, temp_c in points:
        lo, hi = min(lo, ph), max(hi, ph)
        x = (ph - 7.0) * sensors.nernst_mv_per_ph(temp_c) / nernst25
        sx += x
        sy += mv
        sxx += x * x
        sxy += x * mv
    gc.collect()  # the sums' float garbage (boxed on a 64-bit port) goes before the fit's
    if hi - lo < 1.5:
        raise sensors.CalibrationError("pH buffers must be at least 1.5 pH apart: use 4 and 7 (or 7 and 10)")
    b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    a = (sy - b * sx) / n
    slope_pct = -b / nernst25 * 100.0
    if not slope_min <= slope_pct <= slope_max:
        raise sensors.CalibrationError(
            "pH slope %.1f %% is outside %d-%d %%: the probe is worn or dirty, or a buffer is wrong or "
            "contaminated; clean the probe, use fresh buffers and calibrate again, or replace the probe"
            % (slope_pct, slope_min, slope_max))
    if abs(a) > 60.0:
        raise sensors.CalibrationError(
            "pH offset %.0f mV at pH 7 is beyond +-60 mV: the probe or its board is faulty "
            "(check the BNC connector and the board's zero trim)" % a)
    return a, slope_pct


def command(points, args, path, measure, temp_c, k_now=1.0):
    """Run one calibrate command.  ``points`` is the pH session's list of recorded points: the board
    keeps it between commands (this module is imported per command and dropped after it, so its
    code is not in the heap during a session); ``measure()`` reads the probe now: the pH probe's mV,
    or the TDS probe's ppm with its factor ``k_now``.  Returns (the ack text, the new calibration:
    (mv_at_ph7, slope_pct) or the TDS k factor; None when the one in use is unchanged).
    """
    gc.collect()  # the import's garbage (paths, the reader) goes before the command's (a 64 KB heap)
    sensor = args.get("sensor")
    step = args.get("step")
    if sensor == "tds":  # its own module: its code is not in the heap during a pH session (the peak)
        import tdscal

        try:
            return tdscal.command(args, path, measure, k_now)
        finally:
            sys.modules.pop("tdscal", None)
    if sensor != "ph":
        raise ValueError("sensor must be ph or tds")
    if step == "start":
        return "pH calibration: start", None
    if step == "point":
        try:
            buffer_ph = float(args.get("buffer"))
        except (TypeError, ValueError):
            raise ValueError('buffer must be the buffer pH as a string, e.g. "6.86"')
        if not 1.0 <= buffer_ph <= 13.0:
            raise ValueError("buffer pH must be between 1 and 13")
        if len(points) >= 3:
            raise ValueError("3 points recorded already: save or cancel")
        mv = measure()
        points.append((buffer_ph, mv, temp_c))
        return "pH point %d: buffer %.2f reads %.1f mV at %.1f C" % (len(points), buffer_ph, mv, temp_c), None
    if step == "save":
        try:
            fit = calibrate_ph(points)  # CalibrationError (a ValueError) says why not
        finally:
            del points[:]  # a save ends the session, refused or not
        gc.collect()  # the fit's garbage goes before the file's (a 64 KB heap)
        doc = read_json(path)  # this probe's member of calibration.json; the other probes' kept
        doc["ph"] = {"mv_at_ph7": fit[0], "slope_pct": fit[1]}
        gc.collect()  # the file read's garbage goes before the write's
        atomic_write(path, json.dumps(doc))
        return "pH calibrated: slope %.1f %%, offset %.1f mV at pH 7 (stored)" % (fit[1], fit[0]), fit
    if step == "cancel":
        del points[:]
        return "pH calibration cancelled", None
    raise ValueError("step must be start, point, save or cancel")

