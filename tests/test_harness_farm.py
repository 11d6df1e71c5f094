"""harness.farm: the simulated fish farm publishes what a device would (issue 9)."""

from __future__ import annotations

import numpy as np


def test_farm_messages_pass_the_gateways_validation_and_faults_show() -> None:
    from gateway.validate import validate_message
    from harness.farm import FarmModel

    start = 1_700_000_000_000
    model = FarmModel(n_tanks=50, start_epoch_ms=start, seed=2, faults={7: (start + 600_000, 10.0)})
    temps = []
    for step in range(0, 121):  # 20 minutes at 10 s
        t = start + step * 10_000
        values = model.sample(t)
        temps.append(values["temp_c"])
        for i, payload in enumerate(model.payloads(t, values)):
            v = validate_message(model.topic("farm", i), payload, t, prefix="farm")
            assert not v.value_rejects and v.tank == model.tanks[i] and v.seq == step + 1
            assert set(v.points[0].fields) >= {"temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm"}
    temps = np.array(temps)
    # +10 °C/h for the last 10 minutes: ~1.7 °C in the faulty tank, nothing in the others
    assert temps[-1, 7] - temps[59, 7] > 1.4
    assert np.abs(np.delete(temps[-1] - temps[59], 7)).max() < 0.3
