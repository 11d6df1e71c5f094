# An append-only, bounded message spool on flash that survives a reboot.
#
# Records live in numbered segment files <dir>/spool.<n>; at most
# `max_segments` exist, each up to `segment_bytes`, so the spool never takes
# more than their product.  When a new segment would exceed the count, the
# oldest is deleted and its unsent records are counted in `dropped`.
#
# A record is one line:  "<topic> <len> <payload>\n".  A reset in the middle
# of a write leaves a line without its newline or with the wrong length: the
# next append starts on a fresh line and the reader skips and counts it
# (`corrupt`), so a torn write costs that one record and never the others.
#
# The read cursor (segment, offset) is saved with store.atomic_write after
# each acknowledged batch; a reset between a publish and the save resends a
# few records (at-least-once; the gateway keys points by time, so a
# duplicate overwrites itself).

import os

from store import atomic_write


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _size(path):
    try:
        return os.stat(path)[6]
    except OSError:
        return 0


class Spool:
    def __init__(self, directory, segment_bytes=16384, max_segments=4):
        if segment_bytes < 256 or max_segments < 2:
            raise ValueError("spool needs segment_bytes >= 256 and max_segments >= 2")
        self.dir = directory
        self.segment_bytes = segment_bytes
        self.max_segments = max_segments
        self.dropped = 0
        self.corrupt = 0
        self._peek_len = 0  # length of the line peek() returned; pop() skips it
        self._tail_seg = None  # segment whose size append() knows (it wrote it), or None
        self._tail_size = 0
        # unread valid records per segment: dropping a segment then costs no read of it
        # (reading 32 KB line by line would make ~50 KB of garbage in a 64 KB heap)
        self._unread = {}
        self.first, self.last = self._scan()
        self.read_seg, self.read_off = self.first, 0
        self._load_cursor()
        self.count = self._count_unread()

    # -- files ---------------------------------------------------------------
    def _path(self, n):
        return "%s/spool.%d" % (self.dir, n)

    def _scan(self):
        nums = []
        for name in os.listdir(self.dir):
            if name.startswith("spool.") and name[6:].isdigit():
                nums.append(int(name[6:]))
        if not nums:
            return 0, 0
        return min(nums), max(nums)

    def _load_cursor(self):
        try:
            with open(self.dir + "/spool.pos") as f:
                seg, off = f.read().split()
            seg, off = int(seg), int(off)
        except (OSError, ValueError):
            return
        if self.first <= seg <= self.last:
            self.read_seg, self.read_off = seg, off

    def _save_cursor(self):
        atomic_write(self.dir + "/spool.pos", "%d %d" % (self.read_seg, self.read_off))

    def _count_unread(self):
        total = 0
        seg, off = self.read_seg, self.read_off
        while seg <= self.last:
            n = 0
            try:
                with open(self._path(seg), "rb") as f:
                    f.seek(off)
                    for line in f:
                        if self._parse(line) is not None:
                            n += 1
            except OSError:
                pass
            self._unread[seg] = n
            total += n
            seg, off = seg + 1, 0
        return total

    def __len__(self):
        return self.count

    # -- writing ---------------------------------------------------------------
    def append(self, topic, payload):
        """Append one message; raises OSError if the flash write fails."""
        # written in three pieces rather than joined into one new bytes: no record-sized copies
        head = ("%s %d " % (topic, len(payload))).encode()
        size = len(head) + len(payload) + 1
        path = self._path(self.last)
        if self._tail_seg == self.last:
            tail = self._tail_size  # what we wrote: known to end with a newline
            torn = False
        else:
            tail = _size(path)  # first append since boot (or since an error): look at the file
            torn = tail and not self._ends_with_newline(path, tail)
        if tail and tail + size > self.segment_bytes:
            self.last += 1
            path = self._path(self.last)
            tail = 0
            torn = False
            while self.last - self.first + 1 > self.max_segments:
                self._drop_oldest()
        self._tail_seg = None  # unknown until this write has completed
        with open(path, "ab") as f:
            if torn:
                f.write(b"\n")  # a torn record before us stays a line of its own
                tail += 1
            f.write(head)
            f.write(payload)
            f.write(b"\n")
        self._tail_seg, self._tail_size = self.last, tail + size
        self._unread[self.last] = self._unread.get(self.last, 0) + 1
        self.count += 1

    @staticmethod
    def _ends_with_newline(path, size):
        with open(path, "rb") as f:
            f.seek(size - 1)
            return f.read(1) == b"\n"

    def _drop_oldest(self):
        n = self.first
        lost = self._unread.pop(n, 0)
        if self.read_seg == n:
            self.dropped += lost
            self.count -= lost
            self.read_seg, self.read_off = n + 1, 0
        elif self.read_seg < n:
            self.read_seg, self.read_off = n + 1, 0
        try:
            os.remove(self._path(n))
        except OSError:
            pass
        self.first = n + 1

    # -- reading ---------------------------------------------------------------
    def _parse(self, line):
        # returns (topic, payload) or None for a torn/corrupt line
        if not line.endswith(b"\n"):
            return None
        sp1 = line.find(b" ")
        sp2 = line.find(b" ", sp1 + 1)
        if sp1 <= 0 or sp2 <= sp1:
            return None
        try:
            n = int(line[sp1 + 1:sp2])
        except ValueError:
            return None
        payload = line[sp2 + 1:-1]
        if len(payload) != n:
            return None
        return line[:sp1].decode(), payload

    def peek(self):
        """The oldest unsent (topic, payload) or None; skips torn records."""
        while True:
            path = self._path(self.read_seg)
            line = b""
            if _exists(path):
                with open(path, "rb") as f:
                    f.seek(self.read_off)
                    line = f.readline()
            if not line:
                if self.read_seg >= self.last:
                    return None
                self.read_seg, self.read_off = self.read_seg + 1, 0
                continue
            rec = self._parse(line)
            if rec is not None:
                self._peek_len = len(line)
                return rec
            self.corrupt += 1
            self.read_off += len(line)

    def pop(self):
        """Mark the record returned by peek() as sent."""
        self.read_off += self._peek_len
        self.count = max(0, self.count - 1)
        left = self._unread.get(self.read_seg, 0)
        if left:
            self._unread[self.read_seg] = left - 1

    def commit(self):
        """Persist the read cursor; reclaim fully sent segments."""
        while self.read_seg > self.first:
            try:
                os.remove(self._path(self.first))
            except OSError:
                pass
            self._unread.pop(self.first, None)
            self.first += 1
        if self.count == 0 and self.read_off and self.read_off >= _size(self._path(self.read_seg)):
            # everything sent: start a fresh segment rather than growing this one
            try:
                os.remove(self._path(self.read_seg))
            except OSError:
                pass
            self._unread.pop(self.read_seg, None)
            self.last = self.first = self.read_seg = self.read_seg + 1
            self.read_off = 0
        self._save_cursor()
