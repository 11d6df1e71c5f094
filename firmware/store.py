# Tiny persistent counters (seq, boot count) on the board's filesystem.
# Written to a temporary file and renamed, so a reset mid-write leaves the
# old value, never a torn one.

import os


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
        self.value = value
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(value))
        os.rename(tmp, self.path)
