"""aquamon.web.controls: the buttons' forms and the command keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from aquamon.web.controls import ControlError, Keys, alert_command, device_command


@pytest.mark.parametrize("form, message", [
    ({"action": "feed", "minutes": "0"}, "from 1 to 120"),
    ({"action": "feed", "minutes": "9999"}, "from 1 to 120"),
    ({"action": "feed", "minutes": "1e3"}, "whole number"),
    ({"action": "pump", "mode": "feed"}, "choose auto, maintenance or off"),
    ({"action": "reboot"}, "unknown pump action"),
])
def test_a_bad_pump_form_says_what_to_choose(form: dict[str, str], message: str) -> None:
    with pytest.raises(ControlError, match=message):
        device_command(form)


def test_alert_forms() -> None:
    assert alert_command({"action": "ack", "key": "sump_low"}).args == {"key": "sump_low", "for_s": 0}
    assert alert_command({"action": "silence"}).args == {"for_s": 7200}
    with pytest.raises(ControlError, match="unknown alert"):
        alert_command({"action": "ack", "key": "nonsense"})


def test_keys_stay_on_the_server_and_missing_ones_say_where_to_put_them(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="device_keys_dir"):
        Keys("", "").device("t1", "esp1")
    with pytest.raises(ControlError, match="t1.esp1.key"):
        Keys(str(tmp_path), "").device("t1", "esp1")
    with pytest.raises(ControlError, match="not a valid id"):
        Keys(str(tmp_path), "").device("../etc", "passwd")
    (tmp_path / "t1.esp1.key").write_text("ab" * 32)
    assert Keys(str(tmp_path), "").device("t1", "esp1") == bytes.fromhex("ab" * 32)
    with pytest.raises(ControlError, match="command_key"):
        Keys("", "").analytics()


def test_a_device_refusal_is_told_in_the_keepers_words_with_the_devices_reason() -> None:
    from aquamon.web.controls import refusal_words

    said = refusal_words("timestamp outside the window of 120 s (device time 1796281614433)")
    assert said.startswith("the device's clock and this server's differ") and "(NTP)" in said
    assert said.endswith("[device: timestamp outside the window of 120 s (device time 1796281614433)]")
    assert "device_keys_dir" in refusal_words("bad signature: wrong key, or signed for another tank/device, or altered")
