"""analytics.sharding: which analytics instance owns a tank (issue 9)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from analytics.sharding import my_tanks, owned, shard_of

TANK_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
                   min_size=1, max_size=40)


@given(tank=TANK_IDS, count=st.integers(1, 64))
def test_every_tank_has_exactly_one_owner(tank: str, count: int) -> None:
    owners = [i for i in range(count) if owned(tank, i, count)]
    assert owners == [shard_of(tank, count)]


@given(tanks=st.lists(TANK_IDS, unique=True, max_size=50), count=st.integers(1, 8))
def test_shards_partition_the_tanks(tanks: list[str], count: int) -> None:
    parts = [my_tanks(tanks, i, count) for i in range(count)]
    assert sorted(t for p in parts for t in p) == sorted(tanks)


def test_shard_is_the_same_in_another_process_with_another_hash_seed() -> None:
    tanks = [f"tank-{i:04d}" for i in range(200)]
    here = [shard_of(t, 7) for t in tanks]
    code = ("import json,sys; from analytics.sharding import shard_of; "
            "print(json.dumps([shard_of(t, 7) for t in json.loads(sys.argv[1])]))")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(tanks)], capture_output=True, text=True,
                             env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True, cwd=str(_root()))
        assert json.loads(out.stdout) == here


def test_shard_values_are_pinned() -> None:
    # A change of hash would silently move every tank to another instance: pin a few.
    # (SHA-256 of the UTF-8 id, first 8 bytes big-endian, modulo the count)
    assert [shard_of(f"tank-{i:03d}", 4) for i in range(8)] == [3, 1, 2, 2, 1, 1, 0, 1]


@settings(max_examples=40, deadline=None)
@given(prefix=TANK_IDS, count=st.integers(2, 16))
def test_shards_are_balanced(prefix: str, count: int) -> None:
    # 4,000 ids that differ only in a counter, as a farm numbers its tanks: the shard sizes must
    # pass a chi-squared test of uniformity at p = 1e-6 (a false failure once per 25,000 runs)
    tanks = [f"{prefix}{i}" for i in range(4000)]
    sizes = np.bincount([shard_of(t, count) for t in tanks], minlength=count)
    fair = len(tanks) / count
    stat = float(np.sum((sizes - fair) ** 2) / fair)
    assert stat < chi2.isf(1e-6, count - 1), sizes


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]
