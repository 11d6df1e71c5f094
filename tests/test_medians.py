"""The engine's medians return exactly numpy's (analytics/medians.py), on any window of readings."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analytics.medians import flat_median, flat_nanmedian

readings = arrays(np.float64, st.integers(0, 200),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])))


def same(ours: np.float64, numpy_s: np.float64) -> bool:
    return bool(np.isnan(ours) and np.isnan(numpy_s)) or (ours == numpy_s and np.signbit(ours) == np.signbit(numpy_s))


@settings(max_examples=400, deadline=None)
@given(readings)
def test_the_median_of_a_window_is_numpys_to_the_last_bit(values: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on an empty window; ours does not
        expected = np.median(values)
    assert same(flat_median(values), expected)


@settings(max_examples=400, deadline=None)
@given(readings)
def test_the_median_of_what_is_not_missing_is_numpys_nanmedian(values: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on an all-NaN window; ours does not
        expected = np.nanmedian(values)
    assert same(flat_nanmedian(values), expected)


def test_a_two_dimensional_window_is_flattened_as_numpy_does_without_an_axis() -> None:
    grid = np.arange(12.0).reshape(3, 4)[:, ::-1]
    assert flat_median(grid) == np.median(grid) == 5.5
    assert flat_median([1, 2, 4]) == 2.0 and isinstance(flat_median([1, 2, 4]), np.float64)


def test_the_engine_benchmark_swaps_numpys_medians_in_and_back_out() -> None:
    import analytics.rules as rules
    from benchmarks.bench_engine import numpy_medians

    with numpy_medians():
        assert rules.flat_median is not flat_median
        assert rules.flat_median(np.array([1.0, 5.0, 2.0])) == 2.0
    assert rules.flat_median is flat_median
