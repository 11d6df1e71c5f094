"""The local-linear-trend forecast: rate per day, days until a limit, and honest intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.forecast import LocalLinearTrend


@settings(max_examples=40, deadline=None)
@given(st.floats(-50, 50), st.floats(0.01, 20), st.integers(3, 30))
def test_noiseless_line_gives_its_rate_and_crossing_day(level, rate, days):
    f = LocalLinearTrend()
    for day in range(days):
        f.update(day, level + rate * day)
    assert f.rate_per_day == pytest.approx(rate, rel=1e-6)
    limit = level + rate * (days - 1) + 5 * rate  # five days after the last one
    est, low, high = f.days_until(limit)
    assert est == pytest.approx(5.0, rel=1e-6)
    assert low <= est * (1 + 1e-9) and est <= high * (1 + 1e-9)


@pytest.mark.parametrize("days", [6, 14])
def test_intervals_cover_the_truth_at_the_stated_confidence(days):
    # TDS climbing 3 ppm/day with ±5 ppm day-to-day noise in the daily mean; 90 % intervals
    rng = np.random.default_rng(days)
    hits_rate = hits_days = 0
    trials = 400
    for _ in range(trials):
        f = LocalLinearTrend(confidence=0.9)
        for day in range(days):
            f.update(day, 300 + 3 * day + rng.normal(0, 5))
        low, high = f.rate_interval
        hits_rate += low <= 3 <= high
        truth = (450 - 300 - 3 * (days - 1)) / 3
        e, lo, hi = f.days_until(450)
        hits_days += lo <= truth <= hi
    # stated tolerance: coverage within [0.85, 0.99] for a 0.90 setting (400 trials: s.e. 0.015)
    assert 0.85 <= hits_rate / trials <= 0.99
    assert 0.85 <= hits_days / trials <= 0.99


def test_missing_days_are_a_longer_step_not_an_error():
    f = LocalLinearTrend()
    for day in (0, 1, 2, 6, 7, 12):
        f.update(day, 100 - 2 * day)
    assert f.rate_per_day == pytest.approx(-2.0, rel=1e-6)
    assert f.days_until(60.0)[0] == pytest.approx(8.0, rel=1e-6)


def test_bad_input_is_counted_or_refused():
    f = LocalLinearTrend()
    f.update(0, 1.0)
    f.update(1, float("nan"))
    assert f.skipped == 1 and f.n == 1
    with pytest.raises(ValueError, match="days must increase"):
        f.update(0, 2.0)


def test_flat_noisy_series_has_no_finite_upper_bound():
    rng = np.random.default_rng(3)
    f = LocalLinearTrend()
    for day in range(10):
        f.update(day, 300 + rng.normal(0, 5))
    est, low, high = f.days_until(500)
    assert math.isinf(high) and low > 0  # the trend is not clearly heading there


def test_limit_already_passed_is_overdue_only_when_its_side_is_given():
    f = LocalLinearTrend()
    for day in range(5):
        f.update(day, 520 + day)
    assert f.days_until(500, upper=True) == (0.0, 0.0, 0.0)
    assert math.isinf(f.days_until(500)[0])  # rising away from 500: never reached


def test_before_three_days_there_is_nothing_to_say():
    f = LocalLinearTrend()
    f.update(0, 1.0)
    f.update(1, 2.0)
    assert all(math.isnan(v) for v in f.days_until(5.0))
    assert all(math.isnan(v) for v in f.rate_interval)


def test_reset_forgets_after_a_water_change():
    f = LocalLinearTrend()
    for day in range(10):
        f.update(day, 300 + 10 * day)
    f.reset()
    for day in range(10, 14):
        f.update(day, 200 + 10 * (day - 10))
    assert f.level == pytest.approx(230.0, rel=1e-6)
