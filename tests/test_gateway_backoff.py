"""gateway.backoff: how long to wait before retrying a write, and the Retry-After it honours."""

from __future__ import annotations

import pytest

from aquamon.influx import parse_retry_after
from gateway.backoff import retry_wait


# Telegraf's rule: wait = max(capped backoff, capped Retry-After); rand=0.5 removes the jitter.
@pytest.mark.parametrize("attempt, retry_after, expected", [
    (0, None, 0.5),
    (1, None, 1.0),
    (3, None, 4.0),
    (6, None, 30.0),          # capped backoff
    (60, None, 30.0),
    (500, None, 30.0),        # no overflow
    (0, 0.0, 0.5),            # Retry-After: 0 means "now"; the backoff still applies
    (0, 12.0, 12.0),          # the server asks for longer than our backoff
    (6, 12.0, 30.0),          # our backoff is already longer
    (0, 10_000.0, 300.0),     # a huge Retry-After is capped
])
def test_retry_wait_table(attempt: int, retry_after: float | None, expected: float) -> None:
    assert retry_wait(attempt, retry_after, rand=lambda: 0.5) == pytest.approx(expected)


def test_retry_wait_jitter_stays_within_bounds_and_cap() -> None:
    assert retry_wait(2, rand=lambda: 0.0) == pytest.approx(2.0 * 0.8)
    assert retry_wait(2, rand=lambda: 0.999999) == pytest.approx(2.0 * 1.2, rel=1e-5)
    assert retry_wait(20, rand=lambda: 0.999999) == 30.0  # jitter never breaks the cap


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("") is None and parse_retry_after("later") is None
