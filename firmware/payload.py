# Wire-contract encoding of device messages (pure; runs on the ESP32 and on a PC).
#
# JSON is built by hand with a fixed number of decimals per sensor: the ESP32
# port uses single-precision floats, whose repr would put noise digits on the
# wire (25.31 -> 25.309999), and fixed formatting keeps payloads small.

DECIMALS = {
    "temp_c": 2,
    "ph": 3,
    "tds_ppm": 1,
    "turb_ntu": 2,
    "level_cm": 1,
    "flow_lpm": 2,
}
ORDER = ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm")


def _num(name, value):
    d = DECIMALS.get(name, 3)
    s = "%.*f" % (d, value)
    if s in ("-0", "-0.0", "-0.00", "-0.000"):
        s = s[1:]
    return s


def _is_finite(x):
    # NaN is the only value unequal to itself; inf - inf is NaN.
    return x == x and (x - x) == 0


def encode_telemetry(seq, ts_ms, readings, bad, pump, synced=True, boot=0):
    """Telemetry JSON bytes: readings is {sensor: float}; bad is a list of sensor names.

    A non-finite value never reaches the wire: its sensor moves to ``bad``.
    """
    parts = []
    bad_list = list(bad)
    for name in ORDER:
        if name in readings:
            v = readings[name]
            if v is None or not _is_finite(v):
                if name not in bad_list:
                    bad_list.append(name)
                continue
            parts.append('"%s":%s' % (name, _num(name, v)))
    out = '{"v":1,"seq":%d,"ts":%d,"r":{%s},"bad":[%s],"pump":%d' % (
        seq, ts_ms, ",".join(parts), ",".join('"%s"' % b for b in bad_list), 1 if pump else 0)
    if not synced:
        # ts is uptime in ms of boot `boot`; fix_time() corrects it once NTP time is known
        out += ',"unsynced":true,"boot":%d' % boot
    return (out + "}").encode()


def fix_time(msg, boot, offset_ms):
    """Correct an unsynced message of boot ``boot`` by ``offset_ms`` (epoch - uptime).

    Returns the message with the epoch timestamp and without the unsynced
    marks; messages of another boot (their uptime base is gone) and synced
    ones are returned unchanged, still marked.
    """
    mark = (',"unsynced":true,"boot":%d' % boot).encode()
    i = msg.find(mark)
    if i < 0 or msg[i + len(mark):i + len(mark) + 1] not in (b"}", b","):
        return msg
    t = msg.find(b'"ts":')
    if t < 0:
        return msg
    j = t + 5
    k = j
    while k < len(msg) and msg[k:k + 1] in b"-0123456789":
        k += 1
    ts = int(msg[j:k]) + offset_ms
    out = msg[:j] + str(ts).encode() + msg[k:i] + msg[i + len(mark):]
    return out


def encode_status(online, fw="", boot=0, rssi=0, mem_free=0, backlog=0, dropped=0):
    if not online:
        return b'{"online":false}'
    return ('{"online":true,"fw":"%s","boot":%d,"rssi":%d,"mem_free":%d,"backlog":%d,"dropped":%d}' % (
        fw, boot, rssi, mem_free, backlog, dropped)).encode()


def _json_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def encode_event(seq, ts_ms, kind, detail, synced=True, boot=0):
    out = '{"seq":%d,"ts":%d,"kind":%s,"detail":%s' % (seq, ts_ms, _json_str(kind), _json_str(detail))
    if not synced:
        out += ',"unsynced":true,"boot":%d' % boot
    return (out + "}").encode()
