"""Keep each tank's analytics state in InfluxDB so a restart (or a reshard) resumes, not re-fits.

What a tank's state is: its fitted baseline, when it was fitted, its calibrated
threshold, its alert states (so a restart neither fires an alert again nor
forgets to resolve one), the spans excluded from learning, and the time up to
which it was evaluated.  Without it a restarted instance re-evaluates up to 6 h
of every tank and re-fits every baseline, and its alerts start again from "ok".

Where: InfluxDB, measurement ``analytics_state`` (tag ``tank``, versioned
JSON, compressed, in string fields ``s0``, ``s1``, ...; time = the tank's last
evaluation's day: a day's saves overwrite one point).
Not a local file, because the instances are sharded: when ``instance_count``
changes, a tank moves to another instance, often on another machine, and its
new owner must find its state; InfluxDB is the one store every instance
already reads.  A state is 10-60 kB of JSON (a day of rows for the daily
summary is most of it), about half that compressed; states are written at most once per
``every_s`` per tank, in one batched write, and on stop.

A saved state is used only if it was made with the same monitor settings
(a fingerprint of :class:`~analytics.monitor.MonitorSettings` is stored with
it); otherwise the tank is re-fitted from its data, and the log says why.
A state saved by an older version survives an upgrade: what this version
learns and that version did not (a field with a default) starts as on a new
tank, what this version no longer keeps is dropped, and the log names both;
only a field that has no "nothing learned yet" value makes the tank re-fit.

Examples
--------
>>> from analytics.monitor import MonitorSettings, TankMonitor
>>> mon = TankMonitor("t1", MonitorSettings())
>>> mon.fitted_at_ms = 60_000
>>> doc = monitor_state(mon, last_eval_ms=120_000)
>>> again, last = restore_monitor(doc, "t1", MonitorSettings())
>>> again.fitted_at_ms, last
(60000, 120000)
>>> restore_monitor(doc, "t1", MonitorSettings(window_minutes=30))
Traceback (most recent call last):
...
analytics.state.StateMismatch: saved with other monitor settings; re-fitting from data
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import json
import logging
import time
import zlib
from typing import Any, Iterable, Protocol

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.readings import Database, tank_regex
from aquamon.influx import QueryError
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.analytics.state")


class Notifier(Protocol):
    """What the state store needs of a notifier (:class:`analytics.pager.Pager`): its part of a tank's state."""

    def tank_state(self, tank: str) -> dict[str, Any]: ...

    def restore_tank(self, tank: str, part: dict[str, Any]) -> None: ...
STATE_VERSION = 1
MEASUREMENT = "analytics_state"
# fields of TankMonitor that are configuration or identity, not learned state
_NOT_STATE = {"tank", "settings", "open_evaluation_ms"}  # (the last: transient, none open between cycles)


class StateMismatch(ValueError):
    """A saved state cannot be used (other version or settings); the tank is re-fitted instead."""


def settings_fingerprint(settings: MonitorSettings) -> str:
    """A short digest of the monitor settings a state was made with.

    >>> settings_fingerprint(MonitorSettings()) == settings_fingerprint(MonitorSettings())
    True
    """
    text = json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(value: Any) -> Any:
    # JSON with tags for what JSON lacks: numpy arrays, tuples, dicts with non-string keys,
    # and objects of our own analytics classes (baseline, alert states, forecasters), which
    # come back as themselves.  Only classes from the analytics package are ever rebuilt.
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.ndarray) and value.dtype == np.float16:  # a compact memory (drift_weekly's ring)
        return {"__f16__": base64.b64encode(value.astype("<f2").tobytes()).decode("ascii"), "shape": list(value.shape)}
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    cls = type(value)
    if cls.__module__.startswith("analytics.") and hasattr(value, "__dict__"):
        return {"__object__": f"{cls.__module__}:{cls.__qualname__}", "attrs": _encode(vars(value))}
    raise TypeError(f"cannot save a {cls.__name__} in the analytics state")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return np.asarray(value["__array__"], dtype=value.get("dtype", "float64"))
    if "__f16__" in value:
        try:
            raw = base64.b64decode(str(value["__f16__"]), validate=True)
            return np.frombuffer(raw, dtype="<f2").astype(np.float16).reshape([int(n) for n in value["shape"]])
        except (ValueError, TypeError, KeyError) as e:
            raise StateMismatch(f"the saved state has a damaged half-precision array ({e})") from None
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__items__" in value:
        return {_decode(k): _decode(v) for k, v in value["__items__"]}
    if "__object__" in value:
        module, _, qualname = str(value["__object__"]).partition(":")
        if not module.startswith("analytics.") or "." in qualname:
            raise StateMismatch(f"the saved state names a class outside the analytics package: {value['__object__']}")
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            raise StateMismatch(f"the saved state names a class this version lacks: {value['__object__']}") from None
        obj = cls.__new__(cls)
        attrs = _decode(value["attrs"])
        if dataclasses.is_dataclass(cls):
            attrs = _upgraded(qualname, {f.name: f for f in dataclasses.fields(cls)}, attrs)
        obj.__dict__.update(attrs)
        return obj
    return {k: _decode(v) for k, v in value.items()}


def _fresh(field: dataclasses.Field) -> Any:
    """A field's value on a new object, or raise when it has none."""
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    raise StateMismatch(f"the saved state lacks {field.name!r}, which this version cannot start without; "
                        "re-fitting from data")


def _upgraded(what: str, fields: dict[str, dataclasses.Field], attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` saved by another version made to fit ``fields``: new ones start fresh, gone ones are dropped."""
    missing, gone = sorted(set(fields) - set(attrs)), sorted(set(attrs) - set(fields))
    if missing or gone:
        log.info("saved state of an older version: %s starts %s fresh and drops %s", what, missing or "nothing",
                 gone or "nothing")
    out = {k: v for k, v in attrs.items() if k in fields}
    out.update({k: _fresh(fields[k]) for k in missing})
    return out


def monitor_state(mon: TankMonitor, last_eval_ms: int | None, notifier: Notifier | None = None) -> dict[str, Any]:
    """The learned state of ``mon`` and its last evaluation time, as a JSON-able document.

    With ``notifier``, what it holds about the tank (episodes, acknowledgements, silences, the
    daily summary's notes) is saved too, so a restart neither nags again nor breaks a silence.
    """
    learned = {f.name: _encode(getattr(mon, f.name)) for f in dataclasses.fields(mon) if f.name not in _NOT_STATE}
    doc = {"v": STATE_VERSION, "settings": settings_fingerprint(mon.settings), "last_eval_ms": last_eval_ms,
           "monitor": learned}
    if notifier is not None:
        doc["notifier"] = _encode(notifier.tank_state(mon.tank))
    return doc


def restore_notifier(doc: dict[str, Any], tank: str, notifier: Notifier) -> bool:
    """Give ``notifier`` back what :func:`monitor_state` saved about ``tank``; False if nothing was saved.

    The notifier part does not depend on the monitor settings, so it is restored even when the
    monitor itself must be re-fitted (a changed setting must not undo a keeper's silence).
    """
    saved = doc.get("notifier")
    if not isinstance(saved, dict):
        return False
    try:
        part = _decode(saved)
    except StateMismatch as e:
        log.warning("tank %s: notifications state not restored: %s", tank, e)
        return False
    if not isinstance(part, dict):
        return False
    notifier.restore_tank(tank, part)
    return True


def restore_monitor(doc: dict[str, Any], tank: str, settings: MonitorSettings) -> tuple[TankMonitor, int | None]:
    """A :class:`TankMonitor` and last evaluation time from :func:`monitor_state`'s document.

    Raises :class:`StateMismatch` when the document is of another version or
    was made with other settings (its baseline and threshold would not fit).
    """
    if doc.get("v") != STATE_VERSION:
        raise StateMismatch(f"state version {doc.get('v')!r}, this analytics reads {STATE_VERSION}; "
                            "re-fitting from data")
    if doc.get("settings") != settings_fingerprint(settings):
        raise StateMismatch("saved with other monitor settings; re-fitting from data")
    fields = {f.name: f for f in dataclasses.fields(TankMonitor) if f.name not in _NOT_STATE}
    saved = doc.get("monitor", {})
    if not isinstance(saved, dict):
        raise StateMismatch("the saved state has no monitor part; re-fitting from data")
    learned = _upgraded("the tank monitor", fields, {k: _decode(v) for k, v in saved.items() if k not in _NOT_STATE})
    try:
        mon = TankMonitor(tank, settings, **learned)
    except TypeError as e:
        raise StateMismatch(f"the saved state does not fit this version of the monitor ({e}); "
                            "re-fitting from data") from None
    last = doc.get("last_eval_ms")
    return mon, (int(last) if last is not None else None)


# InfluxDB 1.x refuses string fields over 64 KiB, and a day of a tank's rows comes close to that
# as JSON: the state is stored zlib-compressed, base64-encoded, in fields s0, s1, ... of 60,000
# characters each, with their count in "chunks".
CHUNK_CHARS = 60_000


def encode_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of one state point.

    >>> f = encode_fields({"v": 1, "x": list(range(5))})
    >>> f["chunks"], decode_fields(f)
    (1, {'v': 1, 'x': [0, 1, 2, 3, 4]})
    """
    text = base64.b64encode(zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)).decode()
    parts = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)] or [""]
    return {"chunks": len(parts), **{f"s{i}": p for i, p in enumerate(parts)}}


def decode_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The state document of one point's fields; ValueError if a part is missing or damaged."""
    try:
        n = int(row["chunks"])
        text = "".join(row[f"s{i}"] for i in range(n))
        doc = json.loads(zlib.decompress(base64.b64decode(text)))
    except (KeyError, TypeError, ValueError, zlib.error) as e:
        raise ValueError(f"damaged saved state ({type(e).__name__}: {e})") from None
    if not isinstance(doc, dict):
        raise ValueError("damaged saved state (not a JSON object)")
    return doc


class InfluxStateStore:
    """Tank states in InfluxDB: one point per save, the newest one wins on load.

    ``every_s`` throttles saves per tank (wall seconds); :meth:`flush` with
    ``force=True`` (on stop) writes whatever is pending.  :meth:`note` only
    remembers the monitor: the state is encoded when it is written.
    """

    def __init__(self, db: Database, every_s: float = 300.0, chunk: int = 200, keep_days: float = 14.0) -> None:
        self.db = db
        self.every_s = every_s
        self.chunk = chunk
        # a state is one point per tank per day: older days are deleted once a day, so the store stays
        # about keep_days x tanks x tens of kB instead of growing for ever (0 = keep everything)
        self.keep_days = keep_days
        self._pruned_at = -1e18
        self._newest_day_ms: int | None = None  # the newest day saved: "older" is counted from it, in data time
        self.pending: dict[str, tuple[TankMonitor, int]] = {}
        # when set, each tank's notification state (episodes, acks, silences) is saved and restored with it
        self.notifier: Notifier | None = None
        self._saved_at: dict[str, float] = {}
        self.saved = 0
        self.restored = 0
        self.refused = 0
        # where each tank whose saved state was refused had been evaluated to: it is judged on from there
        self.refused_at: dict[str, int] = {}

    def load(self, tanks: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The newest saved state of each of ``tanks`` that has one (one query per ``chunk`` tanks)."""
        tanks = list(tanks)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(tanks), self.chunk):
            part = tanks[i:i + self.chunk]
            q = (f'SELECT * FROM "{MEASUREMENT}" WHERE "tank" =~ {tank_regex(part)} '
                 'GROUP BY "tank" ORDER BY time DESC LIMIT 1')
            for series in self.db.query(q):
                tank = series.get("tags", {}).get("tank")
                values = series.get("values") or []
                if not tank or not values:
                    continue
                try:
                    out[tank] = decode_fields(dict(zip(series["columns"], values[0])))
                except ValueError as e:
                    self.refused += 1
                    log.warning("tank %s: %s; re-fitting from data", tank, e)
        return out

    def restore(self, tanks: Iterable[str], settings: MonitorSettings
                ) -> dict[str, tuple[TankMonitor, int | None]]:
        """Monitors rebuilt from saved states; tanks without a usable state are left out (logged)."""
        out: dict[str, tuple[TankMonitor, int | None]] = {}
        try:
            docs = self.load(tanks)
        except QueryError as e:
            log.warning("cannot read saved analytics state (%s); every tank is re-fitted from data", e)
            return out
        for tank, doc in docs.items():
            if self.notifier is not None:
                restore_notifier(doc, tank, self.notifier)
            try:
                out[tank] = restore_monitor(doc, tank, settings)
                self.restored += 1
            except StateMismatch as e:
                self.refused += 1
                log.warning("tank %s: %s", tank, e)
                if isinstance(doc.get("last_eval_ms"), (int, float)):
                    self.refused_at[tank] = int(doc["last_eval_ms"])
        return out

    def note(self, tank: str, mon: TankMonitor, last_eval_ms: int | None) -> None:
        """Remember that ``mon`` was evaluated up to ``last_eval_ms``; saved at a later :meth:`flush`."""
        if last_eval_ms is not None:
            self.pending[tank] = (mon, last_eval_ms)

    def flush(self, force: bool = False) -> int:
        """Write pending states (those not saved within ``every_s``, or all with ``force``); return how many."""
        now = time.monotonic()
        due = [t for t in self.pending if force or now - self._saved_at.get(t, -1e18) >= self.every_s]
        lines = []
        for tank in due:
            mon, t_ms = self.pending[tank]
            # stamped with the start of its day, so a day's saves overwrite one point: ~1,000 tanks ×
            # tens of kB a day are kept, not a copy per save (the document holds last_eval_ms itself)
            day_ms = t_ms // 86_400_000 * 86_400_000
            self._newest_day_ms = max(self._newest_day_ms or day_ms, day_ms)
            doc = monitor_state(mon, t_ms, self.notifier)
            lines.append(encode_point(MEASUREMENT, {"tank": tank}, encode_fields(doc), day_ms))
        # a failed write raises and leaves the states pending for the next flush
        for i in range(0, len(lines), 500):
            self.db.write_lines(lines[i:i + 500])
        for tank in due:
            del self.pending[tank]
            self._saved_at[tank] = now
        self.saved += len(lines)
        self.prune()
        return len(lines)

    def prune(self, force: bool = False) -> bool:
        """Delete saved states more than ``keep_days`` older than the newest one saved (at most once a day
        unless ``force``); True if run.

        Counted in data time, from the newest state this store wrote, not from the wall clock: a replay
        of last year's readings keeps its states too.  Only a tank silent for longer than ``keep_days``
        loses its saved state, and is re-fitted from its data when it returns.  A failure is logged,
        not raised: the next day tries again.
        """
        now = time.monotonic()
        if self.keep_days <= 0 or self._newest_day_ms is None or (not force and now - self._pruned_at < 86_400):
            return False
        self._pruned_at = now
        cutoff = self._newest_day_ms - int(self.keep_days * 86_400_000)
        try:
            self.db.query(f'DELETE FROM "{MEASUREMENT}" WHERE time < {cutoff}ms')
        except (QueryError, OSError) as e:
            log.warning("could not delete analytics states older than %g days (next try tomorrow): %s",
                        self.keep_days, e)
            return False
        return True
