"""The gateway's MQTT 5 protocol layer (gateway/mqtt_wire.py): encodings, and parsing a byte stream.

Pure byte tests; the same code against a real Mosquitto is in tests/test_gateway_mqtt_link.py.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import mqtt_wire as w

VARINT_EDGES = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455]


@pytest.mark.parametrize("n", VARINT_EDGES)
def test_varint_edges_round_trip_with_the_expected_width(n: int) -> None:
    b = w.encode_varint(n)
    assert len(b) == 1 + (n >= 128) + (n >= 16_384) + (n >= 2_097_152)
    assert w.decode_varint(b, 0) == (n, len(b))
    assert w.decode_varint(b[:-1], 0) is None  # cut off: wait for more bytes


@given(st.integers(0, w.MAX_REMAINING_LENGTH), st.binary(max_size=4))
def test_varint_round_trip(n: int, prefix: bytes) -> None:
    b = w.encode_varint(n)
    assert w.decode_varint(prefix + b + b"\xff", len(prefix)) == (n, len(prefix) + len(b))


def test_varint_out_of_range_and_overlong_are_refused() -> None:
    for bad in (-1, w.MAX_REMAINING_LENGTH + 1):
        with pytest.raises(ValueError):
            w.encode_varint(bad)
    with pytest.raises(w.ProtocolError):
        w.decode_varint(b"\x80\x80\x80\x80\x01", 0)
    with pytest.raises(w.ProtocolError):  # a packet whose remaining length never ends
        w.parse_packets(b"\x30\xff\xff\xff\xff\x01")


topics = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=80)
publishes = st.tuples(topics, st.binary(max_size=300), st.sampled_from([0, 1]), st.integers(1, 65535),
                      st.booleans())


@given(publishes)
def test_publish_round_trip(pub: tuple[str, bytes, int, int, bool]) -> None:
    topic, payload, qos, pid, retain = pub
    pkt = w.encode_publish(topic, payload, qos=qos, retain=retain, packet_id=pid)
    pubs, others, end = w.parse_packets(pkt)
    assert pubs == [(topic.encode(), payload, pid if qos else 0, qos)] and others == [] and end == len(pkt)
    assert bool(pkt[0] & 1) == retain


def test_a_publish_longer_than_two_varint_bytes_and_one_with_properties() -> None:
    big = w.encode_publish("a/b", b"x" * 20_000, qos=1, packet_id=9)
    assert big[1] & 0x80 and big[2] & 0x80  # a three-byte remaining length
    # a broker may add properties (here: payload format indicator + message expiry)
    props = b"\x01\x01" + b"\x02" + struct.pack(">I", 60)
    body = struct.pack(">H", 3) + b"a/b" + struct.pack(">H", 5) + w.encode_varint(len(props)) + props + b"hello"
    with_props = bytes([0x32]) + w.encode_varint(len(body)) + body
    pubs, _, _ = w.parse_packets(big + with_props)
    assert [(p[0], len(p[1]), p[2]) for p in pubs] == [(b"a/b", 20_000, 9), (b"a/b", 5, 5)]
    assert pubs[1][1] == b"hello"


def _packet_stream(items: list[tuple[str, object]]) -> tuple[bytes, list[object]]:
    """Bytes of many packets of several types, and what parsing must find, in order."""
    out, expected = [], []
    for kind, value in items:
        if kind == "pub":
            topic, payload, qos, pid, retain = value  # type: ignore[misc]
            out.append(w.encode_publish(topic, payload, qos=qos, retain=retain, packet_id=pid))
            expected.append(("pub", topic.encode(), payload, pid if qos else 0, qos))
        elif kind == "puback":
            out.append(w.encode_pubacks([value]))  # type: ignore[list-item]
            expected.append(("other", w.PUBACK, struct.pack(">H", value)))
        else:
            out.append(b"\xd0\x00")  # PINGRESP
            expected.append(("other", w.PINGRESP, b""))
    return b"".join(out), expected


stream_items = st.lists(st.one_of(st.tuples(st.just("pub"), publishes),
                                  st.tuples(st.just("puback"), st.integers(1, 65535)),
                                  st.tuples(st.just("ping"), st.none())), max_size=30)


@settings(max_examples=300)
@given(stream_items, st.lists(st.integers(1, 400), max_size=40))
def test_packets_split_anywhere_across_reads_parse_the_same(items: list[tuple[str, object]],
                                                            read_sizes: list[int]) -> None:
    data, expected = _packet_stream(items)
    found: list[object] = []
    buf, pos = b"", 0
    sizes = iter(read_sizes)
    while pos < len(data):  # feed it the way MqttLink does: leftover + each read
        n = next(sizes, 1 + len(data) // 3)
        buf += data[pos:pos + n]
        pos += n
        pubs, others, end = w.parse_packets(buf)
        # a parse returns publishes and other packets separately; re-merge by position for the check
        found.extend(("pub", *p) for p in pubs)
        found.extend(("other", t, body) for t, _, body in others)
        buf = buf[end:]
    assert buf == b""
    assert sorted(found, key=repr) == sorted(expected, key=repr)
    assert [f for f in found if f[0] == "pub"] == [e for e in expected if e[0] == "pub"]  # order kept


def test_pubacks_in_one_buffer_are_short_form_pubacks() -> None:
    data = w.encode_pubacks([1, 2, 65535])
    assert len(data) == 12
    _, others, _ = w.parse_packets(data)
    assert [(t, w.parse_puback(body)) for t, _, body in others] == [(w.PUBACK, (i, 0)) for i in (1, 2, 65535)]


@pytest.mark.parametrize("pkt, why", [
    (b"\x36\x05\x00\x01a\x00\x01", "QoS 3"),
    (b"\x32\x04\x00\x09ab", "topic runs past"),
    (b"\x32\x04\x00\x01a\x00", "packet id"),
    (b"\x32\x05\x00\x01a\x00\x01", "before its properties"),
    (b"\x30\x04\x00\x01a\x05", "properties run past"),
])
def test_malformed_publishes_are_protocol_errors(pkt: bytes, why: str) -> None:
    with pytest.raises(w.ProtocolError, match=why):
        w.parse_packets(pkt)


def test_a_packet_over_the_size_limit_is_refused_before_it_is_buffered() -> None:
    with pytest.raises(w.ProtocolError, match="larger than"):
        w.parse_packets(b"\x30" + w.encode_varint(2_000_000), max_packet=1_000_000)


def test_connect_carries_session_expiry_receive_maximum_will_and_credentials() -> None:
    pkt = w.encode_connect("gw-1", keepalive_s=30, session_expiry_s=3600, receive_maximum=10_000,
                           username="u", password="p", will=w.Will("a/_gateway/x", b'{"online":false}'))
    ptype, body, end = w.first_packet(pkt)  # type: ignore[misc]
    assert ptype == w.CONNECT and end == len(pkt)
    assert body[:7] == b"\x00\x04MQTT\x05"
    flags = body[7]
    assert flags == 0x80 | 0x40 | 0x20 | (1 << 3) | 0x04  # user, password, will retain, will QoS 1, will; no clean start
    assert body[8:10] == struct.pack(">H", 30)
    assert body[10] == 8 and body[11:16] == b"\x11" + struct.pack(">I", 3600)
    assert body[16:19] == b"\x21" + struct.pack(">H", 10_000)
    assert body.endswith(b"\x00\x01u\x00\x01p") and b'a/_gateway/x\x00\x10{"online":false}' in body


def test_connack_suback_and_disconnect_parse() -> None:
    ack = w.parse_connack(b"\x00\x86\x00")
    assert not ack.session_present and ack.reason_text == "bad user name or password"
    assert w.parse_connack(b"\x01\x00\x03\x21\x00\x0a").properties == {0x21: 10}
    assert w.parse_suback(b"\x00\x07\x00\x01\x87") == (7, [1, 0x87])
    reason_string = b"\x1f\x00\x04gone"
    assert w.parse_disconnect(b"\x8b" + bytes([len(reason_string)]) + reason_string) == (0x8B, "gone")
    with pytest.raises(w.ProtocolError):
        w.parse_connack(b"\x00\x00\x05\x7f")  # an unknown property id
