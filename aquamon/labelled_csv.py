"""Reading a keeper's or a lab's sensor CSV for ``aquamon evaluate`` and ``aquamon replay``.

Both commands read a file through :func:`read_labelled_csv`, so they see the
same rows.  What is accepted, and what happens to awkward rows (documented,
because it changes the figures; the keeper's summary is in
``docs/detection.md``, "Accepted files"):

* **Layout.**  A header row, then one row per reading; any separator
  (``--sep``; with ``;`` or a tab a decimal comma, ``7,2``, is read as
  ``7.2``), a UTF-8 byte-order mark, CRLF line ends and blank lines are fine.
  Columns may come in any order; a column may be given the name the product
  knows with ``--columns temp_c='Temperature (°C)',ph=pH`` (``name=header``).
* **Times** are ISO 8601 (``2026-01-05 14:03:00``, ``2026-01-05T14:03:00Z``,
  ``...+01:00``), epoch seconds, or epoch milliseconds (numbers from 10¹¹ on),
  or any layout given with ``--time-format`` (``%d/%m/%Y %H:%M``).  Naive
  times are read as UTC.  A row whose time cannot be read is left out and
  counted (when most cannot, the whole file is refused: the layout is wrong).
* **Row order.**  Rows are put in time order (rows out of order are counted);
  rows repeated exactly (same time, same values) are kept once and counted.
  When naive local time steps back by half an hour or more (the autumn clock
  change repeats an hour), every later timestamp is shifted forward by the
  step, so time stays monotone and a day of data is still a day.  Rows with
  an identical timestamp and different values are kept as separate rows.
* **Missing values** (``NA``, ``NaN``, ``n/a``, ``null``, ``-``, empty) are
  missing.  A cell that is not a number in a numeric column is read as
  missing and counted with its row; a column whose values are mostly not
  numbers is not a sensor (left out, said).  A row with no sensor value at all
  keeps the previous row's decision in ``evaluate``.
* **Units.**  A column named as a tank reading (``temp_c`` in °C, ``ph``,
  ``tds_ppm`` in ppm, ``turb_ntu`` in NTU, ``level_cm`` in cm, ``flow_lpm`` in
  l/min, ``pump`` 0/1) is held to the product's range for it: a value outside
  is a faulty probe, which the gateway drops, so it is read as missing and
  counted; a column mostly outside is refused with the unit it must be in
  (no unit is converted).
* **Labels** are ``TRUE``/``FALSE``, ``true``/``false``, ``1``/``0``,
  ``yes``/``no``; anything else ends the run with a clear error, since a
  guessed label would silently change the score.

Examples
--------
>>> parse_time(["2016-08-03 11:49:00", "2016-08-03T11:50:00Z"], "Time", "f.csv")[0]
array([1.47022494e+09, 1.47022500e+09])
>>> parse_time(["1470224940000", "1470225000000"], "t", "f.csv")[0]  # epoch milliseconds
array([1.47022494e+09, 1.47022500e+09])
>>> parse_columns("temp_c=Temperature (°C), pH")
[('temp_c', 'Temperature (°C)'), ('pH', 'pH')]
"""

from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from aquamon.contract import SENSORS

log = logging.getLogger("aquamon.evaluate")

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MISSING = {"", "na", "nan", "null", "none", "n/a", "-", "#n/a"}
TRUE_WORDS = {"true", "1", "1.0", "t", "yes", "y"}
FALSE_WORDS = {"false", "0", "0.0", "f", "no", "n"}
#: epoch numbers from here on are milliseconds (10¹¹ s is the year 5138; 10¹¹ ms is March 1973)
EPOCH_MS_FROM = 1e11
#: naive local time stepping back by this much or more is a clock change, not rows out of order
CLOCK_CHANGE_S = 1800.0
#: a tank reading's range, beside the pump's on/off (the contract's ranges are the gateway's)
TANK_RANGES = {**{k: (s.lo, s.hi, s.unit) for k, s in SENSORS.items()}, "pump": (0.0, 1.0, "0 or 1")}
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


class EvaluationInputError(ValueError):
    """The input cannot be evaluated; the message says what is wrong and what to do."""


@dataclass
class LabelledData:
    """A labelled sensor file, in time order.

    ``t_s`` are monotone epoch seconds (after the clock-change correction),
    ``time_text`` the timestamps as written, ``X`` the sensor values (NaN for
    missing), ``labels`` the boolean label (``None`` when the file has none).
    """

    path: str
    names: list[str]
    t_s: Array
    time_text: list[str]
    X: Array
    labels: BoolArray | None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t_s)

    def slice(self, lo: int, hi: int) -> "LabelledData":
        return LabelledData(self.path, self.names, self.t_s[lo:hi], self.time_text[lo:hi], self.X[lo:hi],
                            None if self.labels is None else self.labels[lo:hi], list(self.notes))


def parse_columns(text: str | None) -> list[tuple[str, str]] | None:
    """``--columns``: ``a,b`` or ``name=header,...`` to ``[(name, header), ...]`` (None when not given)."""
    if not text:
        return None
    out = []
    for part in text.split(","):
        if part.strip():
            name, _, header = part.partition("=")
            name, header = name.strip(), (header or name).strip().strip("'\"")
            out.append((name, header))
    return out


def parse_time(text: Sequence[str], column: str, path: str,
               time_format: str | None = None) -> tuple[Array, NDArray[np.bool_]]:
    """Timestamps to epoch seconds, and which rows could not be read (NaN there).

    ISO 8601 date-times (naive ones as UTC), epoch seconds, epoch milliseconds
    (numbers from :data:`EPOCH_MS_FROM`), or ``time_format`` (``strptime``).

    Raises
    ------
    EvaluationInputError
        When most rows cannot be read: the message says what was expected.
    """
    values = [s.strip() for s in text]
    out = np.full(len(values), np.nan)
    try:
        numbers = np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        numbers = None
    if numbers is not None and time_format is None:
        ms = bool(len(numbers)) and float(np.nanmedian(np.abs(numbers))) >= EPOCH_MS_FROM
        out = numbers / 1000.0 if ms else numbers
    else:
        for i, v in enumerate(values):
            try:
                d = datetime.strptime(v, time_format) if time_format else datetime.fromisoformat(v)
            except ValueError:
                continue
            out[i] = (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()
    bad = ~np.isfinite(out)
    if bad.any() and bad.sum() * 2 >= len(values):
        i = int(np.flatnonzero(bad)[0])
        how = (f"in the layout {time_format!r} given with --time-format" if time_format else
               "an ISO 8601 date-time (e.g. 2026-01-05 14:03:00, 2026-01-05T14:03:00Z or "
               "2026-01-05T14:03:00+01:00) nor epoch seconds or milliseconds")
        raise EvaluationInputError(
            f"{path}: time column {column!r} has {values[i]!r} on data row {i + 1}, which is not {how}; "
            f"{int(bad.sum())} of {len(values)} rows are like it. Pass --time-format with the layout "
            "(e.g. '%d/%m/%Y %H:%M'), or --time-column with the right column")
    return out, bad


def monotone_time(t_s: Array, min_step_s: float = 0.0) -> tuple[Array, int]:
    """Shift every timestamp after a backward clock step of at least ``min_step_s`` forward by that step.

    Returns the corrected times and the number of such steps.  Equal
    consecutive timestamps, and smaller steps back, are left as they are.

    >>> monotone_time(np.array([0.0, 60.0, 120.0, 60.0, 120.0, 180.0]))
    (array([  0.,  60., 120., 180., 240., 300.]), 1)
    """
    t = np.asarray(t_s, dtype=np.float64)
    if len(t) < 2:
        return t.copy(), 0
    dt = np.diff(t)
    positive = dt[dt > 0]
    step = float(np.median(positive)) if len(positive) else 0.0
    back = (dt < 0) & (-dt >= min_step_s)
    # a backward jump of size |dt| means the clock was set back by |dt| + one reading interval
    shift = np.where(back, -dt + step, 0.0)
    return t + np.concatenate([[0.0], np.cumsum(shift)]), int(back.sum())


def parse_label(text: Sequence[str], column: str, path: str) -> BoolArray:
    out = np.zeros(len(text), dtype=bool)
    bad: list[tuple[int, str]] = []
    for i, s in enumerate(text):
        w = s.strip().lower()
        if w in TRUE_WORDS:
            out[i] = True
        elif w not in FALSE_WORDS:
            bad.append((i, s))
    if bad:
        i, s = bad[0]
        raise EvaluationInputError(
            f"{path}: label column {column!r} has {len(bad)} value(s) that are not TRUE/FALSE, true/false, "
            f"yes/no or 1/0 (first {s!r} on data row {i + 1}); fix the labels or pass --label-column with the "
            "right column")
    return out


def _numbers(text: Sequence[str], decimal_comma: bool = False) -> tuple[Array, list[tuple[int, str]]]:
    """Numbers of a column (NaN for missing) and the cells that are not numbers, ``(row index, text)``."""
    try:  # a clean column at numpy's speed (a year of minutes is half a million cells a column)
        fast = np.array(text, dtype=np.float64)
    except ValueError:
        pass
    else:
        fast[~np.isfinite(fast)] = np.nan  # 'nan', 'inf' as numpy reads them are missing
        return fast, []
    out = np.empty(len(text), dtype=np.float64)
    bad: list[tuple[int, str]] = []
    for i, s in enumerate(text):
        w = s.strip()
        if w.lower() in MISSING:
            out[i] = np.nan
            continue
        if decimal_comma and _DECIMAL_COMMA.match(w):
            w = w.replace(",", ".")
        try:
            out[i] = float(w)
        except ValueError:
            bad.append((i, s))
            out[i] = np.nan
        else:
            if not math.isfinite(out[i]):
                out[i] = np.nan
    return out, bad


def _out_of_range(name: str, v: Array, header: str, path: str, rows: NDArray[np.int64]) -> tuple[Array, str | None]:
    """A tank reading's values outside the product's range read as missing (said); mostly outside: refused."""
    if name not in TANK_RANGES:
        return v, None
    lo, hi, unit = TANK_RANGES[name]
    with np.errstate(invalid="ignore"):
        out = np.isfinite(v) & ((v < lo) | (v > hi))
    n, given = int(out.sum()), int(np.isfinite(v).sum())
    if not n:
        return v, None
    j = int(np.flatnonzero(out)[0])
    what = f"{n} of {given} values of column {header!r} ({name}) are outside {lo:g}–{hi:g} {unit}".rstrip()
    first = f"(first {v[j]:g} on data row {int(rows[j]) + 1})"
    if n * 2 > given:
        hint = " (Fahrenheit? °C = (°F − 32) × 5/9)" if name == "temp_c" else ""
        raise EvaluationInputError(
            f"{path}: {what} {first}: the column must be in {unit or 'pH units'}{hint}; convert it, or leave "
            "it out of --columns")
    v = v.copy()
    v[out] = np.nan
    return v, f"{what} {first}: read as missing, as the gateway drops a faulty probe's value"


def _read_rows(p: Path, sep: str) -> tuple[list[str], list[list[str]], list[int]]:
    if not p.exists() or p.is_dir():
        raise EvaluationInputError(f"{p}: no such file; check the path")
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            numbered = [(i, r) for i, r in enumerate(csv.reader(fh, delimiter=sep))
                        if r and (r[0].strip() or any(c.strip() for c in r))]  # blank lines left out
    except UnicodeDecodeError as e:
        raise EvaluationInputError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start}); save the file as "
                                   "UTF-8 CSV") from None
    if not numbered:
        raise EvaluationInputError(f"{p}: the file is empty; it needs a header row and data rows")
    header = [h.strip() for h in numbered[0][1]]
    if len(numbered) == 1:
        raise EvaluationInputError(f"{p}: the file has a header but no data rows; add the readings below it, one row per time")
    if len(header) < 2:
        raise EvaluationInputError(f"{p}: only one column found with separator {sep!r}; pass --sep with the "
                                   "file's separator (e.g. --sep ';')")
    data = [r for _, r in numbered[1:]]
    short = [i for i, r in enumerate(data) if len(r) != len(header)]
    if short:
        raise EvaluationInputError(f"{p}: {len(short)} data row(s) do not have {len(header)} fields like the "
                                   f"header (first: data row {short[0] + 1}); check --sep and the file")
    return header, data, [i for i, _ in numbered[1:]]


def read_labelled_csv(path: str | Path, time_column: str = "Time", label_column: str | None = "EVENT",
                      columns: Sequence[str] | Sequence[tuple[str, str]] | None = None, sep: str = ",",
                      require_label: bool = True, time_format: str | None = None) -> LabelledData:
    """Read a labelled sensor CSV; see the module docstring for what is accepted.

    ``columns`` picks the sensors, as header names or ``(name, header)`` pairs
    (the name the engine and the product know it by); by default every named
    column other than the time and label columns whose values are mostly
    numbers or missing.

    Raises
    ------
    EvaluationInputError
        Missing file or column, empty file, a non-numeric sensor column,
        unreadable times or labels, a tank reading mostly out of its range.
    """
    p = Path(path)
    header, data, _ = _read_rows(p, sep)

    def index(name: str, role: str, option: str) -> int:
        if name not in header:
            raise EvaluationInputError(f"{p}: no {role} column {name!r}; the columns are "
                                       f"{', '.join(repr(h) for h in header)}; pass {option}")
        return header.index(name)

    ti = index(time_column, "time", "--time-column")
    li = None
    if label_column is not None and (require_label or label_column in header):
        li = index(label_column, "label", "--label-column (or --nab-windows for NAB files)")
    cols = [list(c) for c in zip(*data)]
    notes: list[str] = []
    pairs = [(c, c) if isinstance(c, str) else (c[0], c[1]) for c in columns] if columns else None
    if pairs:
        picked = [(n, index(h, "sensor", "--columns with names from the header")) for n, h in pairs]
        strict = True
    else:
        picked = [(h, i) for i, h in enumerate(header) if i not in (ti, li) and h]
        strict = False
    t_s, bad_time = parse_time(cols[ti], time_column, str(p), time_format)
    row = np.arange(len(data))
    names: list[str] = []
    values: list[Array] = []
    for name, i in picked:
        v, bad = _numbers(cols[i], decimal_comma=sep != ",")
        given = sum(1 for s in cols[i] if s.strip().lower() not in MISSING) if bad else len(v)
        if bad and len(bad) * 2 >= given:
            j, s = bad[0]
            if strict:
                raise EvaluationInputError(
                    f"{p}: sensor column {header[i]!r} is non-numeric: {len(bad)} of {given} value(s) are not "
                    f"numbers (first {s!r} on data row {j + 1}); clean the column or leave it out of --columns")
            notes.append(f"column {header[i]!r} skipped: not numeric (e.g. {s!r})")
            continue
        if bad:
            j, s = bad[0]
            notes.append(f"column {header[i]!r}: {len(bad)} value(s) not a number (first {s!r} on data row "
                         f"{j + 1}): read as missing")
        v, said = _out_of_range(name, v, header[i], str(p), row)
        if said:
            notes.append(said)
        names.append(name)
        values.append(v)
    if not names:
        raise EvaluationInputError(f"{p}: no numeric sensor column found; pass --columns")
    labels = parse_label(cols[li], label_column or "", str(p)) if li is not None else None
    X = np.stack(values, axis=1)
    time_text = [s.strip() for s in cols[ti]]
    if bad_time.any():
        j = int(np.flatnonzero(bad_time)[0])
        notes.append(f"{int(bad_time.sum())} row(s) left out: their time is not readable (first "
                     f"{time_text[j]!r} on data row {j + 1})")
        keep = ~bad_time
        t_s, X, row = t_s[keep], X[keep], row[keep]
        labels = None if labels is None else labels[keep]
    naive = "%z" not in time_format if time_format else not any(_zoned(time_text[int(r)]) for r in row[:1])
    t_s, steps = monotone_time(t_s, CLOCK_CHANGE_S) if naive else (t_s, 0)
    if steps:
        notes.append(f"{steps} backward clock step(s): later timestamps shifted forward to stay monotone")
    order = np.argsort(t_s, kind="stable")
    moved = int(np.sum(t_s < np.maximum.accumulate(t_s)))
    if moved:
        notes.append(f"{moved} row(s) out of time order: put in order")
    t_s, X, row = t_s[order], X[order], row[order]
    labels = None if labels is None else labels[order]
    same = np.concatenate([[False], (np.diff(t_s) == 0) & _rows_equal(X[1:], X[:-1])])
    if labels is not None:
        same[1:] &= labels[1:] == labels[:-1]
    if same.any():
        notes.append(f"{int(same.sum())} repeated row(s) (same time, same values) kept once")
        t_s, X, row = t_s[~same], X[~same], row[~same]
        labels = None if labels is None else labels[~same]
    empty = int((~np.isfinite(X)).all(axis=1).sum())
    if empty:
        notes.append(f"{empty} row(s) with no sensor value: they keep the previous decision")
    for n in notes:
        log.info("%s: %s", p, n)
    return LabelledData(str(p), names, t_s, [time_text[int(r)] for r in row], X, labels, notes)


def _zoned(text: str) -> bool:
    """Whether a written time says its zone (``Z`` or an offset) or is an epoch number (no clock change)."""
    t = text.strip()
    try:
        float(t)
        return True
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(t).tzinfo is not None
    except ValueError:
        return False


def _rows_equal(a: Array, b: Array) -> NDArray[np.bool_]:
    return np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
