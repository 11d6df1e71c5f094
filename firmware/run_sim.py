# Entry point on the MicroPython unix port: run the firmware against the
# simulated tank.  Usage: micropython run_sim.py CONFIG.json
# Prints one JSON line with what it published when it ends.

import json
import sys

import app
import simtank


def main():
    if len(sys.argv) < 2:
        print("usage: micropython run_sim.py CONFIG.json")
        sys.exit(2)
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    board = simtank.SimBoard(cfg)
    result = app.Device(cfg, board).run()
    print(json.dumps({"result": result}))


main()
