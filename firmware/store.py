# Tiny persistent values (seq, boot count, spool cursor, calibration) on the
# board's filesystem.  Written to a temporary file and renamed, so a reset
# mid-write leaves the old value, never a torn one.

import os


def atomic_write(path, data, mode="w"):
    tmp = path + ".tmp"
    with open(tmp, mode) as f:
        f.write(data)
    os.rename(tmp, path)


def read_json(path):
    """The JSON object stored at ``path``, or {} when it is missing or unreadable."""
    import json

    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return {}
    if text:
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        if isinstance(value, dict):
            return value
    return {}


class Counter:
    def __init__(self, path, default=0):
        self.path = path
        self.value = default
        try:
            with open(path) as f:
                self.value = int(f.read().strip() or default)
        except (OSError, ValueError):
            pass

    def set(self, value):
        """Keep ``value``; False when the flash refused it (full or failing): the value is
        then kept in RAM only, and the caller reports it.  Never raises OSError: a full
        flash must not stop the control loop or reset the board into the same write."""
        self.value = value
        try:
            atomic_write(self.path, str(value))
        except OSError:
            return False
        return True
