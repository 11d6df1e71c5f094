# Boot entry on the ESP32 (copied to the board's root by `make flash`).
# The ESP32 board layer and device configuration come with the firmware
# issue; on the unix port use run_sim.py.

import json

import app


def main():
    import board_esp32  # noqa: the hardware layer; absent on the unix port

    with open("device.json") as f:
        cfg = json.load(f)
    board = board_esp32.Esp32Board(cfg)
    app.Device(cfg, board).run()


main()
