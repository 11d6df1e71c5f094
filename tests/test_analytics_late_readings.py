"""Late and out-of-order readings (issue 21 item 6): merged in their place, and a clock jump does not hide what follows."""

from __future__ import annotations

import numpy as np

from analytics.tankdata import MIN_MS, TankData

COLUMNS = ["time", "level_cm"]


def test_a_reading_ahead_does_not_hide_the_readings_that_follow() -> None:
    data = TankData()
    data.append([[i * MIN_MS, 30.0] for i in range(10)], COLUMNS)
    # one reading 299 s ahead (a device clock that jumped), then the real minutes arrive, a sump fault among them
    assert data.append([[14 * MIN_MS, 30.0]], COLUMNS) == 0
    assert data.settled_until() == 10 * MIN_MS  # "now" is not the lone reading ahead
    late = data.append([[10 * MIN_MS, 30.0], [11 * MIN_MS, 5.0], [12 * MIN_MS, 5.0]], COLUMNS)
    assert late == 3
    assert list(data.t_ms // MIN_MS) == [*range(13), 14]  # in time order, nothing dropped
    assert list(data.values["level_cm"][11:13]) == [5.0, 5.0]
    assert data.settled_until() == 15 * MIN_MS  # the run of readings has reached it: it is now


def test_a_minute_read_again_replaces_its_earlier_mean() -> None:
    data = TankData()
    data.append([[0, 7.0], [MIN_MS, 7.0], [2 * MIN_MS, 7.0]], ["time", "ph"])
    data.append([[MIN_MS, 7.4]], ["time", "ph"])
    assert len(data.t_ms) == 3 and data.values["ph"][1] == 7.4
    assert np.isnan(data.values["temp_c"]).all()
