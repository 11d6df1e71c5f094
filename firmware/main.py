# Boot entry on the ESP32 (copied to the board's root by `make flash`).
# Reads device.json and secrets.py, starts the board layer, the watchdog and
# the loop.  Whatever happens, the pump and every outlet (heater, top-off,
# timers) are switched OFF before a reset: on an unhandled exception, and (by the
# relays' wiring default, docs/hardware.md) while the board reboots or the
# watchdog resets it.  A hung loop is reset by the hardware watchdog.

import gc
import json
import sys
import time

import machine

WDT_MS = 30000  # longer than the slowest step (an MQTT socket timeout is 5 s)


def load_config(errors):
    try:
        with open("device.json") as f:
            cfg = json.load(f)
    except OSError:
        errors.append("device.json is missing: copy device.example.json, edit it and upload it (make flash)")
        return {}
    except ValueError as e:
        errors.append("device.json is not valid JSON (%s): fix it and upload it again" % e)
        return {}
    # one source of truth: Wi-Fi and passwords live in secrets.py only (device.json's used to win, silently)
    if not isinstance(cfg, dict):
        return cfg  # devconfig says so and uses the defaults
    mqtt = cfg.setdefault("mqtt", {})
    if "wifi" in cfg or (isinstance(mqtt, dict) and "password" in mqtt):
        errors.append("device.json has wifi or mqtt.password settings: they are ignored; Wi-Fi and "
                      "passwords are set in secrets.py only (WIFI_SSID, WIFI_PASSWORD, MQTT_PASSWORD)")
    cfg["wifi"] = {"ssid": "", "password": ""}
    if not isinstance(mqtt, dict):
        return cfg  # devconfig says so and uses the defaults
    mqtt["password"] = ""
    try:
        import secrets  # type: ignore[import-not-found]  # device-only: WiFi password, MQTT password, command key (never in the repository)

        cfg["wifi"] = {"ssid": getattr(secrets, "WIFI_SSID", ""), "password": getattr(secrets, "WIFI_PASSWORD", "")}
        cfg["mqtt"]["password"] = getattr(secrets, "MQTT_PASSWORD", "")
        cfg.setdefault("cmd", {})
        cfg["cmd"]["key"] = getattr(secrets, "COMMAND_KEY", "")
        if not cfg["cmd"]["key"]:
            errors.append("secrets.py has no COMMAND_KEY: signed commands (feed, clear lockout, calibrate) "
                          "are disabled; see docs/hardware.md")
    except ImportError:
        errors.append("secrets.py is missing: copy secrets.example.py, fill it in and upload it; "
                      "commands are disabled until then")
    return cfg


def validate(cfg, errors):
    """The config with defaults; its errors appended.  Done before the firmware is
    imported and the validator unloaded after: their code never shares the heap."""
    import devconfig

    try:
        cfg, found = devconfig.validate(cfg)
    finally:
        del devconfig
        sys.modules.pop("devconfig", None)
        gc.collect()
    errors.extend(found)
    return cfg


def out_of_memory(running):
    """What to do about a MemoryError, for the serial console (``running``: in the loop, not at boot)."""
    return ("out of memory %s (%d bytes free): a small heap (64 KB) needs the firmware in ROMFS, not as "
            ".mpy files: aquamon flash --romfs (docs/hardware.md, Memory, and deploying into ROMFS)%s"
            % ("in the control loop" if running else "while starting", gc.mem_free(),
               "; if it is in ROMFS already, report it with the lines above" if running else ""))


def main():
    board = None
    device = None
    out_of_ram = False
    try:
        errors: list = []
        cfg = validate(load_config(errors), errors)
        import app

        gc.collect()  # importing leaves garbage (paths, readers): not on top of the next import's
        import board_esp32

        board = board_esp32.Esp32Board(cfg)
        gc.collect()
        device = app.Device(cfg, board, boot_errors=errors, validated_cfg=True)
        del cfg, errors  # the device kept what the loop needs: the rest of the config (~1.5 KB) goes
        board.start_watchdog(WDT_MS)
        device.run()
    except Exception as e:  # noqa: BLE001 - anything: log it, pump off, reset
        sys.print_exception(e)
        out_of_ram = isinstance(e, MemoryError)
    finally:
        if board is not None:
            board.all_off()  # the pump and every outlet (heater, top-off, timers)
    if out_of_ram:
        gc.collect()  # (what failed to load is garbage now: room for the advice)
        print(out_of_memory(device is not None))
    time.sleep(5)
    machine.reset()


main()
