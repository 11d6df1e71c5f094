"""MQTT 5 packets for the gateway's receive path: pure encode and parse, no sockets.

The protocol layer under :mod:`gateway.mqtt_link` (the resilience layer), the way
peterhinch's ``mqtt_as`` separates ``MQTT_base`` from ``MQTTClient``.  It covers
what a QoS 1 subscriber needs and nothing more: CONNECT (with a last will,
credentials, Session Expiry Interval and Receive Maximum), SUBSCRIBE, PUBLISH
(for the gateway's own presence), PUBACK, PINGREQ and DISCONNECT out;
CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP and DISCONNECT in.

Receiving is the hot path: :func:`parse_packets` walks a buffer holding many
packets (one ``recv`` of 256 KB holds thousands of readings) in one tight loop,
returns every complete PUBLISH as a ``(topic, payload, packet_id)`` tuple with
the topic still in bytes, and leaves an incomplete tail for the next ``recv``.
:func:`encode_pubacks` acknowledges a whole batch in one ``bytes`` (4 bytes
each: with reason code Success and no properties MQTT 5 allows the short form).

>>> pkt = encode_publish("aquamon/t1/d1/telemetry", b'{"v":1}', qos=1, packet_id=7)
>>> pubs, others, used = parse_packets(pkt + pkt[:5])
>>> pubs, others, used == len(pkt)
([(b'aquamon/t1/d1/telemetry', b'{"v":1}', 7, 1)], [], True)
>>> encode_pubacks([1, 258])
b'@\\x02\\x00\\x01@\\x02\\x01\\x02'
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Sequence

# Packet types (the high nibble of the first byte).
CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK = 8, 9
PINGREQ, PINGRESP, DISCONNECT, AUTH = 12, 13, 14, 15

# Property identifiers used here (MQTT 5.0, section 2.2.2.2).
PROP_SESSION_EXPIRY = 0x11
PROP_RECEIVE_MAXIMUM = 0x21
PROP_REASON_STRING = 0x1F
PROP_ASSIGNED_CLIENT_ID = 0x12
PROP_SERVER_KEEP_ALIVE = 0x13

MAX_REMAINING_LENGTH = 268_435_455  # four varint bytes
PINGREQ_PACKET = b"\xc0\x00"
DISCONNECT_NORMAL = b"\xe0\x00"  # reason 0: normal disconnection, the will is not sent

CONNACK_REASONS = {
    0x00: "success", 0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
    0x83: "implementation specific error", 0x84: "unsupported protocol version",
    0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
    0x88: "server unavailable", 0x89: "server busy", 0x8A: "banned", 0x8C: "bad authentication method",
    0x90: "topic name invalid", 0x95: "packet too large", 0x97: "quota exceeded", 0x99: "payload format invalid",
    0x9A: "retain not supported", 0x9B: "QoS not supported", 0x9C: "use another server", 0x9D: "server moved",
    0x9F: "connection rate exceeded",
}


class ProtocolError(Exception):
    """The bytes are not the MQTT 5 the gateway expects; the connection must be dropped."""


# --- variable byte integers -------------------------------------------------------------
def encode_varint(n: int) -> bytes:
    """MQTT variable byte integer (7 bits a byte, least significant first).

    >>> encode_varint(0), encode_varint(127), encode_varint(128), encode_varint(268_435_455)
    (b'\\x00', b'\\x7f', b'\\x80\\x01', b'\\xff\\xff\\xff\\x7f')
    """
    if not 0 <= n <= MAX_REMAINING_LENGTH:
        raise ValueError(f"{n} does not fit an MQTT variable byte integer (0..{MAX_REMAINING_LENGTH})")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf: bytes | bytearray | memoryview, pos: int, end: int | None = None) -> tuple[int, int] | None:
    """(value, position after it) from ``buf[pos:end]``; None if the integer is cut off at ``end``.

    Raises :class:`ProtocolError` on a fifth continuation byte.

    >>> decode_varint(b"\\x80\\x01", 0), decode_varint(b"\\x80", 0)
    ((128, 2), None)
    """
    end = len(buf) if end is None else end
    value = 0
    shift = 0
    for i in range(pos, min(pos + 4, end)):
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    if end - pos >= 4:
        raise ProtocolError("a variable byte integer longer than 4 bytes")
    return None


# --- encoding ----------------------------------------------------------------------------
def _utf8(s: str | bytes) -> bytes:
    b = s.encode("utf-8") if isinstance(s, str) else s
    if len(b) > 0xFFFF:
        raise ValueError("an MQTT string is at most 65,535 bytes")
    return struct.pack(">H", len(b)) + b


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + encode_varint(len(body)) + body


def _props(items: Sequence[tuple[int, int, int]]) -> bytes:
    """Properties from (identifier, value, size in bytes) with integer values."""
    body = b"".join(bytes([ident]) + value.to_bytes(size, "big") for ident, value, size in items)
    return encode_varint(len(body)) + body


@dataclass
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def encode_connect(client_id: str, *, keepalive_s: int, clean_start: bool = False, session_expiry_s: int = 0,
                   receive_maximum: int = 65535, username: str = "", password: str = "",
                   will: Will | None = None) -> bytes:
    """CONNECT for MQTT 5.

    >>> encode_connect("gw", keepalive_s=30)[:12]
    b'\\x10\\x0f\\x00\\x04MQTT\\x05\\x00\\x00\\x1e'
    """
    if not 1 <= receive_maximum <= 65535:
        raise ValueError("receive_maximum must be 1..65535")
    flags = 0x02 if clean_start else 0
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
    if username:
        flags |= 0x80
    if password:
        flags |= 0x40
    props = []
    if session_expiry_s:
        props.append((PROP_SESSION_EXPIRY, session_expiry_s, 4))
    if receive_maximum != 65535:
        props.append((PROP_RECEIVE_MAXIMUM, receive_maximum, 2))
    body = _utf8("MQTT") + bytes([5, flags]) + struct.pack(">H", keepalive_s) + _props(props) + _utf8(client_id)
    if will is not None:
        body += _props([]) + _utf8(will.topic) + struct.pack(">H", len(will.payload)) + will.payload
    if username:
        body += _utf8(username)
    if password:
        body += _utf8(password)
    return _packet(CONNECT << 4, body)


def encode_subscribe(packet_id: int, filters: Sequence[tuple[str, int]]) -> bytes:
    """SUBSCRIBE with one options byte per filter (the QoS; No Local etc. off)."""
    body = struct.pack(">H", packet_id) + _props([])
    for topic_filter, qos in filters:
        body += _utf8(topic_filter) + bytes([qos])
    return _packet((SUBSCRIBE << 4) | 0x02, body)


def encode_publish(topic: str, payload: bytes, *, qos: int = 0, retain: bool = False, packet_id: int = 0,
                   dup: bool = False) -> bytes:
    """PUBLISH (the gateway sends only its own small presence messages)."""
    first = (PUBLISH << 4) | (0x08 if dup else 0) | (qos << 1) | (1 if retain else 0)
    body = _utf8(topic) + (struct.pack(">H", packet_id) if qos else b"") + _props([]) + payload
    return _packet(first, body)


def encode_pubacks(packet_ids: Sequence[int]) -> bytes:
    """PUBACKs (reason Success, short form) for many packet ids, in one buffer."""
    # Each PUBACK is 0x40 0x02 id_hi id_lo: one big-endian 32-bit word 0x4002xxxx.
    return struct.pack(f">{len(packet_ids)}I", *[0x40020000 | pid for pid in packet_ids])


def encode_disconnect(reason: int = 0) -> bytes:
    return DISCONNECT_NORMAL if reason == 0 else _packet(DISCONNECT << 4, bytes([reason, 0]))


# --- parsing -----------------------------------------------------------------------------
def parse_packets(buf: bytes | bytearray, start: int = 0,
                  max_packet: int = MAX_REMAINING_LENGTH) -> tuple[list[tuple[bytes, bytes, int, int]],
                                                                   list[tuple[int, int, bytes]], int]:
    """Split ``buf[start:]`` into complete packets.

    Returns ``(publishes, others, end)``: each PUBLISH as ``(topic bytes, payload,
    packet id (0 at QoS 0), qos)``; every other packet as ``(type, flags, body)``;
    ``end`` is where the first incomplete packet starts (the caller keeps
    ``buf[end:]`` for the next read).  Raises :class:`ProtocolError` on malformed
    bytes or a packet larger than ``max_packet``.
    """
    pubs: list[tuple[bytes, bytes, int, int]] = []
    others: list[tuple[int, int, bytes]] = []
    n = len(buf)
    pos = start
    while pos + 2 <= n:
        first = buf[pos]
        # remaining length, inlined for the common one- and two-byte cases
        b1 = buf[pos + 1]
        if b1 < 0x80:
            length, body = b1, pos + 2
        else:
            vi = decode_varint(buf, pos + 1, n)
            if vi is None:
                break
            length, body = vi
        if length > max_packet:
            raise ProtocolError(f"a packet of {length} bytes is larger than the {max_packet} allowed")
        end = body + length
        if end > n:
            break
        ptype = first >> 4
        if ptype == PUBLISH:
            qos = (first >> 1) & 3
            if length < 2:
                raise ProtocolError("PUBLISH too short")
            tlen = (buf[body] << 8) | buf[body + 1]
            p = body + 2 + tlen
            if p > end:
                raise ProtocolError("PUBLISH topic runs past the packet")
            topic = bytes(buf[body + 2:p])
            if qos:
                if qos == 3 or p + 2 > end:
                    raise ProtocolError("PUBLISH with QoS 3 or cut short before its packet id")
                pid = (buf[p] << 8) | buf[p + 1]
                p += 2
            else:
                pid = 0
            if p >= end:
                raise ProtocolError("PUBLISH cut short before its properties")
            plen = buf[p]
            if plen < 0x80:
                p += 1 + plen
            else:
                vi = decode_varint(buf, p, end)
                if vi is None:
                    raise ProtocolError("PUBLISH properties length cut short")
                p = vi[0] + vi[1]
            if p > end:
                raise ProtocolError("PUBLISH properties run past the packet")
            pubs.append((topic, bytes(buf[p:end]), pid, qos))
        else:
            others.append((ptype, first & 0x0F, bytes(buf[body:end])))
        pos = end
    return pubs, others, pos


def first_packet(buf: bytes) -> tuple[int, bytes, int] | None:
    """``(type, body, end)`` of the first complete packet in ``buf``, or None if it is not all there.

    >>> first_packet(b"\\x20\\x03\\x00\\x00\\x00\\x30"), first_packet(b"\\x20\\x03\\x00")
    ((2, b'\\x00\\x00\\x00', 5), None)
    """
    if len(buf) < 2:
        return None
    vi = decode_varint(buf, 1)
    if vi is None:
        return None
    length, body = vi
    if body + length > len(buf):
        return None
    return buf[0] >> 4, bytes(buf[body:body + length]), body + length


def _skip_props(body: bytes, p: int) -> tuple[dict[int, int | bytes], int]:
    """Read a property block; integer and string properties we may log, others skipped by size."""
    vi = decode_varint(body, p)
    if vi is None:
        raise ProtocolError("properties length cut short")
    plen, p = vi
    end = p + plen
    if end > len(body):
        raise ProtocolError("properties run past the packet")
    props: dict[int, int | bytes] = {}
    while p < end:
        ident = body[p]
        p += 1
        if ident in (0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A):  # one byte
            props[ident] = body[p]
            p += 1
        elif ident in (0x13, 0x21, 0x22, 0x23):  # two bytes
            props[ident] = int.from_bytes(body[p:p + 2], "big")
            p += 2
        elif ident in (0x02, 0x11, 0x18, 0x27):  # four bytes
            props[ident] = int.from_bytes(body[p:p + 4], "big")
            p += 4
        elif ident == 0x0B:  # subscription identifier: varint
            vi = decode_varint(body, p, end)
            if vi is None:
                raise ProtocolError("subscription identifier cut short")
            props[ident], p = vi
        elif ident in (0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F):  # string / binary
            n = int.from_bytes(body[p:p + 2], "big")
            props[ident] = body[p + 2:p + 2 + n]
            p += 2 + n
        elif ident == 0x26:  # user property: a string pair
            for _ in range(2):
                n = int.from_bytes(body[p:p + 2], "big")
                p += 2 + n
        else:
            raise ProtocolError(f"unknown property 0x{ident:02x}")
    if p != end:
        raise ProtocolError("properties run past their length")
    return props, end


@dataclass
class ConnAck:
    session_present: bool
    reason: int
    properties: dict[int, int | bytes] = field(default_factory=dict)

    @property
    def reason_text(self) -> str:
        return CONNACK_REASONS.get(self.reason, f"reason 0x{self.reason:02x}")


def parse_connack(body: bytes) -> ConnAck:
    """CONNACK body -> :class:`ConnAck`.

    >>> parse_connack(b"\\x01\\x00\\x00")
    ConnAck(session_present=True, reason=0, properties={})
    """
    if len(body) < 2:
        raise ProtocolError("CONNACK too short")
    props: dict[int, int | bytes] = {}
    if len(body) > 2:
        props, _ = _skip_props(body, 2)
    return ConnAck(bool(body[0] & 1), body[1], props)


def parse_suback(body: bytes) -> tuple[int, list[int]]:
    """SUBACK body -> (packet id, one reason code per filter; >= 0x80 is a refusal)."""
    if len(body) < 3:
        raise ProtocolError("SUBACK too short")
    _, p = _skip_props(body, 2)
    return int.from_bytes(body[:2], "big"), list(body[p:])


def parse_puback(body: bytes) -> tuple[int, int]:
    """PUBACK body -> (packet id, reason code; 0 if the short form)."""
    if len(body) < 2:
        raise ProtocolError("PUBACK too short")
    return int.from_bytes(body[:2], "big"), body[2] if len(body) > 2 else 0


def parse_disconnect(body: bytes) -> tuple[int, str]:
    """DISCONNECT from the server -> (reason code, reason string or '')."""
    if not body:
        return 0, ""
    reason = body[0]
    text = ""
    if len(body) > 1:
        props, _ = _skip_props(body, 1)
        raw = props.get(PROP_REASON_STRING)
        if isinstance(raw, bytes):
            text = raw.decode("utf-8", "replace")
    return reason, text
