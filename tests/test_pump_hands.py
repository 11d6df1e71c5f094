"""Round 19: a keeper's hands at the tank are not a stopped pump (``pump_stopped``).

Found on the 60x40 turtle tank with a basking lamp (``turtle_lamp_month``): the keeper cleans the bottom
filter fortnightly with its relay on, 40 minutes without flow, and lifting it out clouds the water (+3 NTU)
in the very minute the flow stops; each clean paged ``pump_stopped`` (critical).  A stop begun in such a cloud
is held for as long as the keeper's maintenance may keep a pump off (an hour with nothing learned); a pump
that stops in clear water (a jammed impeller, a hose off, the power gone) is told at once as before, and one
stopped in a cloud that is not back within the hour is told then.
"""

from __future__ import annotations

import numpy as np
from test_pump_left_off import _learned
from test_slow_faults import DAY, START_MS, _fired, _tank

MIN_MS = 60_000
AT = 2 * DAY + 14 * 60 + 20


def _cleaned(minutes: int, cloud: float = 3.0) -> dict[str, np.ndarray]:
    """A tank whose filter is lifted out at ``AT`` for ``minutes`` (the relay on), the water clouding by
    ``cloud`` NTU as it is, the cloud settling over an hour and a half."""
    v = _tank(2.9, seed=19)
    v["flow_lpm"][AT:AT + minutes] = 0.0
    since = np.arange(len(v["turb_ntu"])) - AT
    v["turb_ntu"] += np.where(since >= 0, cloud * np.exp(-np.maximum(since, 0) / 90.0), 0.0)
    return v


def _told_after(v: dict[str, np.ndarray]) -> list[int]:
    mon = _learned(v, AT - 60)
    return [(tr.t_ms - START_MS) // MIN_MS - AT for tr in _fired(v, AT - 60, AT + 100, "pump_stopped", mon)]


def test_a_filter_lifted_out_to_clean_clouding_the_water_is_not_a_stopped_pump() -> None:
    assert _told_after(_cleaned(40)) == []


def test_a_pump_stopped_in_a_cloud_and_not_back_within_the_hour_is_told_then() -> None:
    assert _told_after(_cleaned(24 * 60)) == [62]  # (the hour, then pump_stopped's own minute)


def test_a_pump_stopped_in_clear_water_or_a_faint_cloud_is_told_at_once() -> None:
    assert _told_after(_cleaned(40, cloud=0.0)) == [2]
    assert _told_after(_cleaned(40, cloud=0.6)) == [2]  # (under a keeper-visible 1 NTU: the probe's scatter)


def test_a_cloud_over_water_already_cloudy_from_a_feeding_is_still_hands_at_the_tank() -> None:
    v = _cleaned(40)
    v["turb_ntu"][AT - 300:] += 3.0  # (turtle_lamp_month's day 27: a messy feeding's cloud before the clean)
    assert _told_after(v) == []


def test_a_pump_switched_on_into_a_cloud_that_moves_no_water_is_told_at_once() -> None:
    v = _cleaned(24 * 60)
    v["pump"][AT - 30:AT] = 0.0  # (turtle_summer_month: the bed rinsed, the pump switched on, airlocked)
    v["flow_lpm"][AT - 30:AT] = 0.0
    assert _told_after(v) == [2]


def test_a_filter_not_restarted_after_a_water_change_in_the_stop_is_told_as_before() -> None:
    v = _cleaned(24 * 60)
    v["level_cm"][AT + 2:AT + 14] -= np.linspace(0.6, 7.2, 12)  # a drain with the filter pulled ...
    v["level_cm"][AT + 14:AT + 24] -= np.linspace(7.2, 0.0, 10)  # ... refilled, the filter never plugged in
    told = _told_after(v)
    assert len(told) == 1 and told[0] < 50, told
