# Wire-contract encoding of device messages (pure; runs on the ESP32 and on a PC).
#
# JSON is built by hand with a fixed number of decimals per sensor: the ESP32
# port uses single-precision floats, whose repr would put noise digits on the
# wire (25.31 -> 25.309999), and fixed formatting keeps payloads small.

# (sensor, its JSON member with the sensor's fixed decimals, half a unit of that last decimal in
# ten-thousandths: an integer, as a float constant is a heap object on a boxed-float port)
FIELDS = (
    ("temp_c", '"temp_c":%.2f', 50),
    ("ph", '"ph":%.3f', 5),
    ("tds_ppm", '"tds_ppm":%.1f', 500),
    ("turb_ntu", '"turb_ntu":%.2f', 50),
    ("level_cm", '"level_cm":%.1f', 500),
    ("flow_lpm", '"flow_lpm":%.2f', 50),
)


def _is_finite(x):
    # NaN is the only value unequal to itself; inf - inf is NaN.
    return x == x and (x - x) == 0


def encode_telemetry(seq, ts_ms, readings, bad, pump, synced=True, boot=0, extra=""):
    """Telemetry JSON bytes: readings is {sensor: float}; bad is a list of sensor names.

    A non-finite value never reaches the wire: its sensor moves to ``bad``.  A
    value that rounds to zero is written as zero, never "-0.00".  The message is
    formatted once (one format string, one argument tuple): this runs every cycle
    and its garbage counts against a 64 KB heap.
    """
    fmt = ['{"v":1,"seq":%d,"ts":%d,"r":{']
    args = [seq, ts_ms]
    bad_list = bad
    first = True
    for name, member, half in FIELDS:
        if name not in readings:
            continue
        v = readings[name]
        if v is None or not _is_finite(v):
            if name not in bad_list:
                if bad_list is bad:
                    bad_list = list(bad)  # the caller's list stays as it is
                bad_list.append(name)
            continue
        if v <= 0 and v * 10000 >= -half:  # (a float only for a reading at or below zero)
            v = 0
        if not first:
            fmt.append(",")
        fmt.append(member)
        args.append(v)
        first = False
    fmt.append('},"bad":[%s],"pump":%d%s')
    args.append(",".join('"%s"' % b for b in bad_list) if bad_list else "")
    args.append(1 if pump else 0)
    args.append(extra)  # more members (outlets, probes under calibration), each starting with a comma
    if not synced:
        # ts is uptime in ms of boot `boot`; fix_time() corrects it once NTP time is known
        fmt.append(',"unsynced":true,"boot":%d')
        args.append(boot)
    fmt.append("}")
    return ("".join(fmt) % tuple(args)).encode()


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


def encode_status(online, fw="", boot=0, rssi=0, mem_free=0, backlog=0, dropped=0, extra=""):
    """The retained status; ``extra`` is more members, each starting with a comma."""
    if not online:
        return b'{"online":false}'
    return ('{"online":true,"fw":"%s","boot":%d,"rssi":%d,"mem_free":%d,"backlog":%d,"dropped":%d%s}' % (
        fw, boot, rssi, mem_free, backlog, dropped, extra)).encode()


def _json_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def encode_event(seq, ts_ms, kind, detail, synced=True, boot=0, cause=""):
    """An event; ``cause`` (an id, "" for none) tells apart the causes of one kind (heater_fallback's)."""
    out = '{"seq":%d,"ts":%d,"kind":%s,"detail":%s' % (seq, ts_ms, _json_str(kind), _json_str(detail))
    if cause:
        out += ',"cause":"%s"' % cause
    if not synced:
        out += ',"unsynced":true,"boot":%d' % boot
    return (out + "}").encode()
