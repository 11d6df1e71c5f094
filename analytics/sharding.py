"""Which analytics instance owns a tank: a stable hash of the tank id modulo the instance count.

Each analytics instance is configured with ``[analytics] instance_index`` and
``instance_count`` and scores only the tanks with
``shard_of(tank, instance_count) == instance_index``.  Nothing coordinates the
instances: they agree because they compute the same pure function.

The hash must give the same answer in every process, on every machine and in
every Python version, so it is SHA-256 of the tank id's UTF-8 bytes (Python's
built-in ``hash()`` of a string is salted per process, PYTHONHASHSEED).
SHA-256 costs ~1 µs per tank id, negligible beside scoring.

Changing ``instance_count`` moves most tanks to another instance (plain
modulo, as configured, not consistent hashing); the new owner resumes each
tank from the state kept in InfluxDB (:mod:`analytics.state`), so a reshard
costs a state load, not a re-fit.

Examples
--------
>>> shard_of("tank-001", 4)
1
>>> [shard_of("tank-001", n) for n in (1, 2, 3)]
[0, 1, 2]
>>> owned("tank-001", 1, 4)
True
>>> shard_of("tank-001", 0)
Traceback (most recent call last):
...
ValueError: instance_count must be at least 1, got 0
"""

from __future__ import annotations

import hashlib
from typing import Iterable


def tank_hash(tank: str) -> int:
    """A 64-bit unsigned integer from the tank id, identical across processes and versions.

    >>> tank_hash("a")
    14598278634844962250
    """
    digest = hashlib.sha256(tank.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def shard_of(tank: str, instance_count: int) -> int:
    """The index (0 to ``instance_count - 1``) of the analytics instance that owns ``tank``."""
    if instance_count < 1:
        raise ValueError(f"instance_count must be at least 1, got {instance_count}")
    return tank_hash(tank) % instance_count


def owned(tank: str, instance_index: int, instance_count: int) -> bool:
    """True when the instance ``instance_index`` of ``instance_count`` owns ``tank``."""
    if not 0 <= instance_index < instance_count:
        raise ValueError(f"instance_index must be from 0 to {instance_count - 1}, got {instance_index}")
    return shard_of(tank, instance_count) == instance_index


def my_tanks(tanks: Iterable[str], instance_index: int, instance_count: int) -> list[str]:
    """The tanks of ``tanks`` that instance ``instance_index`` owns, in their given order.

    >>> my_tanks(["a", "b", "c", "d"], 0, 1)
    ['a', 'b', 'c', 'd']
    >>> sorted(my_tanks(["a", "b", "c", "d"], 0, 2) + my_tanks(["a", "b", "c", "d"], 1, 2))
    ['a', 'b', 'c', 'd']
    """
    return [t for t in tanks if owned(t, instance_index, instance_count)]
