"""The heater guard's fallback as the keeper reads it: the firmware's own events (run under the real
MicroPython binary) become alerts whose words say which cause it was, a probe to check or a heater
to check, with no internal key in them."""

from __future__ import annotations

import json

import pytest

from analytics.monitor import MonitorSettings, TankMonitor
from tests.test_firmware_micropython import run_mpy

T0 = 1_767_225_600_000

# the thermostat at 25 C, 10 min maximum on-time, stuck after 3 repeats; one input sequence per cause
HEATER = ("import json, outlets\n"
          "c = (2500, 30, 2900, 100, 600000, 0, 3, 100)\n"
          "for seq in %s:\n"
          "    s = [False, 0, False, 0, False, 0, None, 0]\n"
          "    out = []\n"
          "    for i, (t, t2) in enumerate(seq):\n"
          "        out += [e for e in outlets.heater_step(s, c, t, t2, i * 60000) if e[0] == 'heater_fallback']\n"
          "    print(json.dumps(out))\n")
SEQUENCES = {
    "probe_missing": [(2400, None), (None, None)],
    "probe_stuck": [(2400, None), (2400, None), (2400, None), (2400, None)],
    "probes_disagree": [(2400, 2410), (2400, 2600)],
    "max_on": [(2400 + i, None) for i in range(12)],
}
WORDS = {
    "probe_missing": "because the temperature probe is missing or failing",
    "probe_stuck": "because the temperature probe is stuck at 24.00 °C",
    "probes_disagree": "because the two temperature probes disagree (24.00 and 26.00 °C)",
    "max_on": "because the heater ran 10 min without reaching 25.0 °C",
}


@pytest.mark.micropython
def test_each_fallback_cause_is_told_in_its_own_words() -> None:
    r = run_mpy(["-c", HEATER % ([SEQUENCES[k] for k in SEQUENCES],)])
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    summaries = {}
    for cause, evs in zip(SEQUENCES, events):
        assert [(e[0], e[2]) for e in evs] == [("heater_fallback", cause)]
        mon = TankMonitor("t1", MonitorSettings())
        fired = [tr for tr in mon._events(T0, [(T0, "heater_fallback", evs[0][1])]) if tr.state == "firing"]
        assert [tr.key for tr in fired] == ["heater_fallback"]
        summaries[cause] = fired[0].summary
    for cause, text in summaries.items():
        assert WORDS[cause] in text, (cause, text)
        assert "_" not in text, text  # no internal key (probe_stuck, heater_fallback) a person reads
    assert len(set(summaries.values())) == len(SEQUENCES)
