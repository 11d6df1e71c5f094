"""analytics/broker_link.py: what the analytics take from MQTT, and what they publish, without a broker."""

from __future__ import annotations

import json
from typing import Any

from analytics.broker_link import BrokerLink
from analytics.catalogue import Transition
from analytics.device_status import StatusHeard
from aquamon.config import MqttConfig


def test_status_and_commands_are_queued_in_order_and_the_rest_ignored() -> None:
    link = BrokerLink(MqttConfig(topic_prefix="aq"))
    link.heard("aq/t1/esp/status", b'{"online": true, "rssi": -60}')
    link.heard("aq/t1/analytics/cmd", b'{"id": "c1", "action": "ack"}')
    link.heard("aq/t1/esp/cmd", b'{"id": "c2"}')  # a device's command: not for the analytics
    link.heard("aq/t1/esp/status", b"not json")
    link.heard("aq/t1/esp/status", b'{"online": "yes"}')  # online must be a boolean
    link.heard("aq/t1/esp/status", b"[1]")
    link.heard("aq/t1/esp/status", b"")  # a retained status cleared
    link.heard("aq/status", b'{"online": false}')  # too short a topic
    link.heard("aq/t2/esp/status", b'{"online": false}')
    assert link.take() == ([StatusHeard("t1", "esp", True), StatusHeard("t2", "esp", False)],
                           [("t1", {"id": "c1", "action": "ack"})])
    assert link.take() == ([], [])


def test_alerts_and_summaries_are_published_retained() -> None:
    link = BrokerLink(MqttConfig(topic_prefix="aq"))
    sent: list[tuple[str, Any, int, bool]] = []
    link.client.publish = lambda topic, payload, qos, retain: sent.append((topic, payload, qos, retain))  # type: ignore[method-assign,assignment,misc]
    link.publish_alert("t1", Transition("sump_low", "critical", "firing", "Sump low.", 1000, 1.0))
    link.publish_summary("t1", 2000, "All well.")
    assert [(t, q, r) for t, _, q, r in sent] == [("aq/t1/alert/sump_low", 1, True), ("aq/t1/summary", 1, True)]
    assert json.loads(sent[0][1]) == {"tank": "t1", "key": "sump_low", "severity": "critical", "state": "firing",
                                      "summary": "Sump low.", "ts": 1000}
    assert json.loads(sent[1][1]) == {"tank": "t1", "ts": 2000, "text": "All well."}


def test_a_command_wakes_the_loop_and_its_answer_goes_back_unretained() -> None:
    woken: list[int] = []
    link = BrokerLink(MqttConfig(topic_prefix="aq"), on_command=lambda: woken.append(1))
    link.heard("aq/t1/esp/status", b'{"online": true}')
    assert woken == []  # a status waits for the next cycle
    link.heard("aq/t1/analytics/cmd", b'{"id": "c1", "action": "ack"}')
    link.heard("aq/t1/esp/cmd", b'{"id": "c2"}')  # not for the analytics: no wake
    assert woken == [1]
    assert link.take_commands() == [("t1", {"id": "c1", "action": "ack"})]
    assert link.take() == ([StatusHeard("t1", "esp", True)], [])  # the status stayed for take()
    sent: list[tuple[str, Any, int]] = []
    link.client.publish = lambda topic, payload, qos: sent.append((topic, payload, qos))  # type: ignore[method-assign,assignment,misc]
    link.answer_command("t1", {"id": "c1"}, "acknowledged 1 alert(s) of t1")
    link.answer_command("t1", {"id": "c3"}, "refused: already applied (a replay)")
    assert [(t, q) for t, _, q in sent] == [("aq/t1/analytics/cmd/ack", 1)] * 2
    assert json.loads(sent[0][1]) == {"id": "c1", "ok": True, "done": "acknowledged 1 alert(s) of t1"}
    assert json.loads(sent[1][1]) == {"id": "c3", "ok": False, "reason": "already applied (a replay)"}
