# aquamon: the two commands a user needs are `make demo` and `make test`.
# Both install what is missing (Debian packages, a .venv, MicroPython libraries)
# and are idempotent: a second run skips installs already done.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MPYLIB := build/mpy-lib

.PHONY: demo test bench deps system-deps venv mpylib typecheck flash clean

demo: deps
	$(BIN)/aquamon demo

# Two workers (pytest-xdist), a file each at a time: one left CI's 2 cores half idle while tests wait
# on their servers; tests/conftest.py sends the files that share a session's run to one worker.
test: deps
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: deps
	$(BIN)/python -m benchmarks

deps: system-deps venv mpylib

system-deps:
	@bash tools/install-system-deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# [test] brings the MicroPython unix port ([sim]) and the flash tools ([flash]) too
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

mpylib: $(MPYLIB)/.installed

$(MPYLIB)/.installed: tools/fetch_mpy_lib.py | venv
	$(BIN)/python tools/fetch_mpy_lib.py $(MPYLIB)

# mypy over firmware/ against micropython-esp32-stubs (also part of `make test`)
typecheck: deps
	$(BIN)/python -m pytest -q tests/test_firmware_typecheck.py

# Deploy to an ESP32 on USB: firmware/device.json and firmware/secrets.py first (see docs/hardware.md).
# ROMFS=1: modules into the board's ROMFS partition (bytecode out of the heap; needs a build with one).
PORT ?= auto
flash: deps
	$(BIN)/aquamon flash --port $(PORT) $(if $(ROMFS),--romfs)

clean:
	rm -rf $(VENV) build demo-output .pytest_cache .mypy_cache .hypothesis
