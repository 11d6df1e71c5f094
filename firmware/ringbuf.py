# A bounded FIFO of outgoing messages that drops the oldest when full and
# counts what it dropped (reported in the status message), so an outage can
# never exhaust the heap.  Slots are preallocated; nothing grows.


class Ring:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("ring capacity must be at least 1")
        self._slots = [None] * capacity
        self._cap = capacity
        self._head = 0  # index of the oldest item
        self._len = 0
        self.dropped = 0

    def __len__(self):
        return self._len

    def push(self, item):
        if self._len == self._cap:
            self._head = (self._head + 1) % self._cap
            self._len -= 1
            self.dropped += 1
        self._slots[(self._head + self._len) % self._cap] = item
        self._len += 1

    def peek(self):
        if self._len == 0:
            return None
        return self._slots[self._head]

    def pop(self):
        if self._len == 0:
            return None
        item = self._slots[self._head]
        self._slots[self._head] = None
        self._head = (self._head + 1) % self._cap
        self._len -= 1
        return item
