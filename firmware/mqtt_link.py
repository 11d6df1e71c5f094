# Connectivity layer over the protocol layer (umqtt.simple), after mqtt_as:
# umqtt.simple speaks MQTT and raises OSError; this class owns the link:
# socket timeouts so nothing blocks forever, keepalive pings, reconnect with
# exponential backoff and jitter, and the last will.
#
# umqtt.simple waits for PUBACK without retransmitting; we never lose a
# reading to that because the app removes a message from its ring only after
# publish() returned (PUBACK seen) and republishes it after a reconnect.

import random

from micropython import const
from ticks import ticks_add, ticks_diff

from umqtt.simple import MQTTClient

# const() with a leading underscore: folded into the code, no entry in the module's globals
_IPPROTO_TCP = const(6)
_TCP_NODELAY = const(1)
_READS_PER_SERVICE = const(64)  # incoming messages read per service() call (a flood must not back up the socket)
_SOCKET_TIMEOUT_S = const(5)
_BACKOFF_MAX_MS = const(60000)


def _no_delay(sock):
    # umqtt.simple writes a PUBLISH in several small pieces and then waits for
    # PUBACK: with Nagle's algorithm on, each reading waits for the peer's
    # delayed ACK (~40 ms).  Not every port exposes the option; that is fine.
    try:
        sock.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
    except Exception:  # noqa: BLE001
        pass


class Link:
    # (constants rather than attributes: the object stays under a dict size step of a 64 KB heap)
    def __init__(self, client_id, host, port, user=None, password=None, keepalive_s=30, will_topic=None):
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user or None
        self.password = password or None
        self.keepalive_s = keepalive_s
        self.will_topic = will_topic
        self.client = None
        self.up = False
        self.failures = 0
        self.next_try = 0
        self.last_io = 0
        self.connects = 0
        self.cb = None  # called with (topic, msg) for messages on subscribed topics
        self.received = 0  # counted by the callback (one bound method fewer in a 64 KB heap)
        self.subscriptions = []  # topics (re)subscribed after every connect

    def _set_down(self, now):
        self.up = False
        if self.client is not None:
            try:
                self.client.sock.close()
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass
        self.client = None
        self.failures += 1
        delay = min(_BACKOFF_MAX_MS, 1000 * (1 << min(self.failures, 6)))
        # jitter: many devices coming back after a broker restart must not reconnect in step
        delay = delay // 2 + random.getrandbits(16) % (delay // 2 + 1)
        self.next_try = ticks_add(now, delay)

    def ensure(self, now, status_online=b'{"online":true}'):
        """Connect if down and due; return True when the link is up."""
        if self.up:
            return True
        if ticks_diff(now, self.next_try) < 0:
            return False
        c = MQTTClient(self.client_id, self.host, self.port, self.user, self.password, self.keepalive_s)
        if self.will_topic:
            c.set_last_will(self.will_topic, b'{"online":false}', retain=True, qos=1)
        try:
            c.connect(clean_session=True)
            c.sock.settimeout(_SOCKET_TIMEOUT_S)
            _no_delay(c.sock)
            if self.cb is not None:
                c.set_callback(self.cb)
            self.client = c
            if self.will_topic:
                c.publish(self.will_topic, status_online, True, 1)
            for topic in self.subscriptions:
                c.subscribe(topic, 1)
        except Exception:  # noqa: BLE001 - OSError, MQTTException, or an assert in umqtt
            self.client = c
            self._set_down(now)
            return False
        self.up = True
        self.failures = 0
        self.connects += 1
        self.last_io = now
        return True

    def drop(self, now):
        """The network is gone (WiFi lost): close and schedule a reconnect."""
        if self.up or self.client is not None:
            self._set_down(now)

    def publish(self, topic, msg, now, retain=False, qos=1):
        """Publish; on QoS 1 returns after PUBACK.  Returns False (link down) on failure."""
        c = self.client
        if not self.up or c is None:
            return False
        try:
            c.publish(topic, msg, retain, qos)
        except Exception:  # noqa: BLE001
            self._set_down(now)
            return False
        self.last_io = now
        return True

    def service(self, now):
        """Keepalive and incoming messages; call at least every keepalive/2.  Returns True when
        it stopped at _READS_PER_SERVICE messages: more are waiting, call again without sleeping."""
        c = self.client
        if not self.up or c is None:
            return False
        n = 0
        try:
            if ticks_diff(now, self.last_io) >= self.keepalive_s * 500:
                c.ping()
                self.last_io = now
            try:
                while n < _READS_PER_SERVICE:
                    got = self.received
                    c.check_msg()  # (sets the socket non-blocking for its first byte)
                    if self.received == got:
                        break
                    n += 1
            finally:
                if self.client is not None:
                    c.sock.settimeout(_SOCKET_TIMEOUT_S)
        except Exception:  # noqa: BLE001
            self._set_down(now)
        return n >= _READS_PER_SERVICE

    def close(self, status_topic=None):
        if self.up and self.client is not None:
            try:
                if status_topic:
                    self.client.publish(status_topic, b'{"online":false}', True, 1)
                self.client.disconnect()
            except Exception:  # noqa: BLE001
                pass
        self.up = False
        self.client = None
