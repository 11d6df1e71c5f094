# The keeper's calibration session, driven by signed "calibrate" commands:
#   {"sensor": "ph", "step": "point", "buffer": "6.86"}  record the probe now (it sits in that buffer)
#   {"sensor": "ph", "step": "save"}                      fit 2-3 points, store on flash, apply
#   {"sensor": "ph", "step": "cancel"}                    forget the recorded points
# Buffer values are strings: signed commands carry no floats.  The result
# lives in <state_dir>/calibration.json (written atomically).

import json

import sensors
from store import atomic_write, read_text


class Calibrator:
    def __init__(self, path):
        self.path = path
        self.points = []
        self.values = {}
        text = read_text(path)
        if text:
            try:
                self.values = json.loads(text)
            except ValueError:
                self.values = {}

    def ph(self):
        """(mv_at_ph7, slope_pct) in use: stored, or the ideal probe."""
        p = self.values.get("ph") or {}
        return float(p.get("mv_at_ph7", 0.0)), float(p.get("slope_pct", 100.0))

    def command(self, args, probe_mv, temp_c):
        """Run one calibrate command; ``probe_mv()`` measures the probe now.  Returns the ack text."""
        if args.get("sensor") != "ph":
            raise ValueError("only the pH probe is calibrated by command (sensor: ph); TDS and turbidity "
                             "factors are set in device.json")
        step = args.get("step")
        if step == "point":
            try:
                buffer_ph = float(args.get("buffer"))
            except (TypeError, ValueError):
                raise ValueError('buffer must be the buffer pH as a string, e.g. "6.86"')
            if not 1.0 <= buffer_ph <= 13.0:
                raise ValueError("buffer pH must be between 1 and 13")
            if len(self.points) >= 3:
                raise ValueError("3 points recorded already: save or cancel")
            mv = probe_mv()
            self.points.append((buffer_ph, mv, temp_c))
            return "pH point %d: buffer %.2f reads %.1f mV at %.1f C" % (len(self.points), buffer_ph, mv, temp_c)
        if step == "save":
            points, self.points = self.points, []
            mv7, slope = sensors.calibrate_ph(points)  # CalibrationError (a ValueError) says why not
            self.values["ph"] = {"mv_at_ph7": mv7, "slope_pct": slope}
            atomic_write(self.path, json.dumps(self.values))
            return "pH calibrated: slope %.1f %%, offset %.1f mV at pH 7 (stored)" % (slope, mv7)
        if step == "cancel":
            self.points = []
            return "pH calibration cancelled"
        raise ValueError("step must be point, save or cancel")
