"""aquamon.web.live: the live state of the fleet, from the MQTT messages."""

from __future__ import annotations

import json

from aquamon.web.live import FleetState


def test_the_live_state_keeps_what_a_last_will_does_not_say() -> None:
    s = FleetState("p")
    s.apply("p/t1/esp1/status", json.dumps({"online": True, "mode": "feed", "lockout": True}).encode())
    _, data = s.apply("p/t1/esp1/status", b'{"online": false}')  # type: ignore[misc]
    assert data["mode"] == "feed" and data["lockout"] is True and data["online"] is False
    assert s.tanks["t1"].status() == "offline"


def test_alerts_rank_by_severity_and_an_acknowledgement_belongs_to_its_episode() -> None:
    s = FleetState("p")
    s.apply("p/t1/alert/drift", b'{"severity": "warning", "state": "firing", "summary": "d", "ts": 1}')
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "firing", "summary": "s", "ts": 2}')
    assert [a["key"] for a in s.tanks["t1"].open_alerts()] == ["sump_low", "drift"]
    assert [a["heading"] for a in s.tanks["t1"].open_alerts()] == ["Sump level low", "Water drifting"]
    assert s.note_ack("t1", "sump_low", "ann") == ["sump_low"]
    assert s.tanks["t1"].open_alerts()[0]["acked_by"] == "ann"
    # it resolves and fires again: a new episode, not acknowledged
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "resolved", "summary": "s", "ts": 3}')
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "firing", "summary": "s", "ts": 4}')
    assert s.tanks["t1"].open_alerts()[0]["acked_by"] == ""
    s.apply("p/t1/alert/sump_low", b"")  # a cleared retained topic
    assert [a["key"] for a in s.tanks["t1"].open_alerts()] == ["drift"]
    assert s.tanks["t1"].status() == "warning"


def test_messages_that_are_not_json_objects_are_counted_not_kept() -> None:
    s = FleetState("p")
    assert s.apply("p/t1/esp1/telemetry", b"[1, 2]") is None
    assert s.apply("p/t1/esp1/telemetry", b"\xff") is None
    assert s.apply("p/_gateway/g1", b"{}") is None and s.apply("other/t1/esp1/status", b"{}") is None
    assert s.ignored == 2 and s.tanks == {}


def test_an_alert_heading_keeps_the_keepers_spelling() -> None:
    s = FleetState("p")
    s.apply("p/t1/alert/ph_crash", b'{"severity": "critical", "state": "firing", "summary": "p", "ts": 1}')
    assert s.tanks["t1"].open_alerts()[0]["heading"] == "pH crashing"  # not "Ph crashing" nor "PH crashing"


def test_a_stored_reading_shows_until_the_device_speaks_and_never_replaces_a_newer_one() -> None:
    s = FleetState("p")
    assert s.seed_reading("t1", "esp1", {"ts": 100, "r": {"temp_c": 25.0}, "pump": True})
    assert s.tanks["t1"].last_reading() == {"device": "esp1", "ts": 100, "r": {"temp_c": 25.0}, "pump": True}
    s.apply("p/t1/esp1/telemetry", b'{"ts": 200, "r": {"temp_c": 25.5}, "pump": true}')
    assert not s.seed_reading("t1", "esp1", {"ts": 100, "r": {"temp_c": 25.0}, "pump": True})  # came late
    assert s.tanks["t1"].last_reading()["r"] == {"temp_c": 25.5}
    assert [r["tank"] for r in (t.row() for t in s.changed_since(0))] == ["t1"]  # the fleet page gets it


def test_a_device_is_offline_only_when_its_status_says_so() -> None:
    s = FleetState("p")
    assert not s.offline("t1", "esp1")  # never heard of: a command may still reach it
    s.apply("p/t1/esp1/status", b'{"online": true, "mode": "auto"}')
    assert not s.offline("t1", "esp1")
    s.apply("p/t1/esp1/status", b'{"online": false}')  # its last will
    assert s.offline("t1", "esp1")


def test_an_answer_keeps_what_the_analytics_did() -> None:
    # "nothing to acknowledge" is an answer the page must show as it is, not as "done"
    s = FleetState("p")
    event = s.apply("p/t1/analytics/cmd/ack", json.dumps({"id": "c1", "ok": True,
                                                          "done": "nothing to acknowledge: no open alert"}).encode())
    assert event == ("ack", {"device": "analytics", "id": "c1", "ok": True, "reason": "",
                             "done": "nothing to acknowledge: no open alert"})
