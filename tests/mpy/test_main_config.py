# main.py's reading of device.json and secrets.py (the real MicroPython binary runs this): Wi-Fi and
# passwords come from secrets.py only; a device.json that still carries them is reported, not obeyed.
import os
import sys

import mpytest
import ticks

DIR = "/tmp/aquamon-mpy-main-%d" % (os.getpid() if hasattr(os, "getpid") else 0)
with open(ticks.__file__.rsplit("/", 1)[0] + "/main.py") as f:  # (read before the tests change folder)
    MAIN = f.read()


def main_scope():
    """main.py's functions, without running main() (it would start the board; the unix port has a machine
    module of its own, so main.py imports as it is)."""
    src = MAIN
    assert src.endswith("\nmain()\n")
    scope = {"__name__": "main_under_test"}
    exec(src[:-len("main()\n")], scope)
    return scope


def load_config():
    errors = []
    return main_scope()["load_config"](errors), errors


def test_out_of_memory_says_to_deploy_into_romfs():
    # what the serial console shows after a MemoryError, at boot (the .mpy files do not fit a 64 KB
    # heap: benchmarks/bench_firmware.py) and in the loop
    advice = main_scope()["out_of_memory"]
    at_boot, running = advice(False), advice(True)
    for text in (at_boot, running):
        assert "aquamon flash --romfs" in text and "docs/hardware.md" in text, text
    assert "while starting" in at_boot and "report it" not in at_boot, at_boot
    assert "in the control loop" in running and "report it" in running, running


def test_wifi_and_passwords_come_from_secrets_only():
    mpytest.fresh_dir(DIR)
    with open(DIR + "/device.json", "w") as f:
        f.write('{"tank": "t", "wifi": {"ssid": "my-wifi"}, "mqtt": {"host": "h", "password": "old"}}')
    with open(DIR + "/secrets.py", "w") as f:
        f.write('WIFI_SSID = "aquarium-room"\nWIFI_PASSWORD = "pw"\nMQTT_PASSWORD = "mq"\nCOMMAND_KEY = ""\n')
    cwd = os.getcwd()
    os.chdir(DIR)
    sys.path.insert(0, DIR)
    try:
        cfg, errors = load_config()
    finally:
        os.chdir(cwd)
        sys.path.pop(0)
        sys.modules.pop("secrets", None)
        os.remove(DIR + "/secrets.py")
    assert cfg["wifi"] == {"ssid": "aquarium-room", "password": "pw"} and cfg["mqtt"]["password"] == "mq"
    assert cfg["mqtt"]["host"] == "h"
    assert any("secrets.py only" in e for e in errors), errors


def test_without_secrets_nothing_from_device_json_is_used_for_wifi():
    mpytest.fresh_dir(DIR)
    with open(DIR + "/device.json", "w") as f:
        f.write('{"tank": "t", "wifi": {"ssid": "my-wifi", "password": "x"}}')
    cwd = os.getcwd()
    os.chdir(DIR)
    try:
        cfg, errors = load_config()
    finally:
        os.chdir(cwd)
    assert cfg["wifi"] == {"ssid": "", "password": ""}
    assert any("secrets.py is missing" in e for e in errors) and any("secrets.py only" in e for e in errors)


mpytest.run(globals())
