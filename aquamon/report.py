"""A self-contained HTML report of one tank: what happened, and what is coming.

``aquamon report --tank T --since 7d`` (and ``make demo``) write one page with
matplotlib figures embedded as base64 PNG, so the file can be mailed or opened
anywhere without a server:

- each sensor with its **day/night baseline band** (mean ± 2σ of the healthy
  readings at that hour of the day) and the **alert spans** shaded;
- the **drift score** (KL divergence from the baseline) against its threshold,
  with its mean and covariance parts;
- the **forecast** of slow drift (TDS, water level): daily means, the trend,
  the limit and the interval of the day it is reached;
- the **alert log**.

The band is computed here from the data (the analytics do not store their
baseline): readings under an alert are left out, so a fault does not widen the
band that is meant to show it.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from aquamon.contract import WATER, shown_sensors
from aquamon.influx import InfluxV1, InfluxV2

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def sensor_columns() -> list[tuple[str, str, str]]:
    """(field, title, unit) of the sensors drawn, in the order of the page (from :mod:`aquamon.contract`)."""
    return [(s.key, s.title, s.unit) for s in shown_sensors()]


ALERT_COLOURS = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
_TANK_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


class ReportError(ValueError):
    """The report cannot be made as asked; the message says what to change."""


def parse_since(text: str) -> float:
    """Hours in a duration such as ``7d``, ``36h``, ``90m`` or ``2w``.

    >>> parse_since("7d"), parse_since("36h"), parse_since("90m"), parse_since("2w")
    (168.0, 36.0, 1.5, 336.0)
    >>> parse_since("soon")
    Traceback (most recent call last):
    ...
    aquamon.report.ReportError: --since 'soon': use a number and a unit, e.g. 7d, 36h, 90m or 2w
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*", text)
    if not m or float(m.group(1)) <= 0:
        raise ReportError(f"--since {text!r}: use a number and a unit, e.g. 7d, 36h, 90m or 2w")
    return float(m.group(1)) * {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}[m.group(2)]


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class AlertSpan:
    """One alert from firing to resolved; ``open`` when it was still firing at the end."""

    key: str
    severity: str
    start_ms: int
    end_ms: int
    open: bool


def alert_spans(alerts: Sequence[dict[str, Any]], end_ms: int) -> list[AlertSpan]:
    """Pair each alert's firing with its next resolved; one still firing runs to ``end_ms``.

    >>> rows = [{"time": 10, "key": "drift", "severity": "warning", "state": "firing"},
    ...         {"time": 20, "key": "heater_stuck", "severity": "critical", "state": "firing"},
    ...         {"time": 30, "key": "drift", "severity": "warning", "state": "resolved"}]
    >>> [(s.key, s.start_ms, s.end_ms, s.open) for s in alert_spans(rows, 99)]
    [('drift', 10, 30, False), ('heater_stuck', 20, 99, True)]
    """
    spans: list[AlertSpan] = []
    firing: dict[str, dict[str, Any]] = {}
    for a in sorted(alerts, key=lambda r: r["time"]):
        if a["state"] == "firing":
            firing.setdefault(a["key"], a)  # a repeated firing keeps the first start
        elif a["state"] == "resolved" and a["key"] in firing:
            f = firing.pop(a["key"])
            spans.append(AlertSpan(a["key"], str(f["severity"]), int(f["time"]), int(a["time"]), False))
    spans += [AlertSpan(k, str(f["severity"]), int(f["time"]), max(int(end_ms), int(f["time"])), True)
              for k, f in firing.items()]
    return sorted(spans, key=lambda s: s.start_ms)


def outside_spans(t_ms: np.ndarray, spans: Sequence[AlertSpan], margin_ms: int = HOUR_MS) -> np.ndarray:
    """Mask of the samples not under any alert (nor within ``margin_ms`` before one)."""
    keep = np.ones(len(t_ms), dtype=bool)
    for s in spans:
        keep &= ~((t_ms >= s.start_ms - margin_ms) & (t_ms <= s.end_ms))
    return keep


def hour_of_day_baseline(t_ms: np.ndarray, x: np.ndarray, healthy: np.ndarray,
                         bins: int = 24, min_samples: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the healthy values at each hour of the (UTC) day.

    Bins with fewer than ``min_samples`` finite healthy values are NaN (no band is
    better than a band made up from a handful of readings).

    >>> t = np.arange(0, 2 * 86_400_000, 60_000)
    >>> x = np.where((t // 3_600_000) % 24 < 12, 1.0, 3.0)
    >>> mean, std = hour_of_day_baseline(t, x, np.ones(len(t), dtype=bool))
    >>> float(mean[0]), float(mean[12]), float(std.max())
    (1.0, 3.0, 0.0)
    """
    t_ms = np.asarray(t_ms, dtype=np.int64)
    x = np.asarray(x, dtype=float)
    b = ((t_ms % DAY_MS) * bins // DAY_MS).astype(int)
    ok = np.asarray(healthy, dtype=bool) & np.isfinite(x)
    n = np.bincount(b[ok], minlength=bins).astype(float)
    s1 = np.bincount(b[ok], weights=x[ok], minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        s2 = np.bincount(b[ok], weights=(x[ok] - mean[b[ok]]) ** 2, minlength=bins)
        std = np.sqrt(s2 / np.maximum(n - 1, 1))
    few = n < min_samples
    mean[few] = np.nan
    std[few] = np.nan
    return mean, std


def band_at(t_ms: np.ndarray, mean: np.ndarray, std: np.ndarray, k: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """The band ``mean ± k·std`` of each sample's hour of the day."""
    b = ((np.asarray(t_ms, dtype=np.int64) % DAY_MS) * len(mean) // DAY_MS).astype(int)
    return mean[b] - k * std[b], mean[b] + k * std[b]


# --------------------------------------------------------------------------- data


def load_alert_state(db: InfluxV1 | InfluxV2, tank: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """The alert transitions of ``tank`` from ``start_ms`` to ``end_ms``, led by each alert's state at
    ``start_ms``: an alert that fired before the window and is still firing starts the window firing.

    Without the lead rows, ``--since 2h`` would say "no alert is firing" while an alert that
    fired three hours ago still is.
    """
    where = f"\"tank\" = '{tank}'"
    rows: list[dict[str, Any]] = []
    for s in db.query(f'SELECT last("state") AS "state", "summary", "value" FROM "alert" WHERE {where} '
                      f'AND time < {start_ms}ms GROUP BY "key", "severity"'):
        for v in s["values"]:
            row = dict(zip(s["columns"], v), **s["tags"])
            if row.get("state") == "firing":
                rows.append(row)
    for s in db.query(f'SELECT "state", "summary", "value" FROM "alert" WHERE {where} AND time >= {start_ms}ms '
                      f'AND time <= {end_ms}ms GROUP BY "key", "severity"'):
        rows += [dict(zip(s["columns"], v), **s["tags"]) for v in s["values"]]
    return sorted(rows, key=lambda a: a["time"])


@dataclass
class TankData:
    tank: str
    start_ms: int
    end_ms: int
    water: dict[str, np.ndarray] = field(default_factory=dict)
    score: dict[str, np.ndarray] = field(default_factory=dict)
    daily: dict[str, np.ndarray] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    forecasts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the keeper's clock for every time the report shows ([alerts] time_zone); data stay in UTC
    zone: tzinfo = timezone.utc


def _columns(series: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    if not series:
        return {}
    cols, vals = series[0]["columns"], series[0]["values"]
    out: dict[str, np.ndarray] = {}
    for i, c in enumerate(cols):
        col = [v[i] for v in vals]
        if c == "time":
            out[c] = np.array(col, dtype=np.int64)
        else:
            out[c] = np.array([np.nan if x is None or isinstance(x, (str, bool)) else float(x) for x in col])
    return out


def load_tank(db: InfluxV1 | InfluxV2, tank: str, hours: float, now_ms: int | None = None) -> TankData:
    """Everything the report draws, for the ``hours`` before ``now_ms`` (default: now)."""
    if not _TANK_ID.match(tank):
        raise ReportError(f"--tank {tank!r}: a tank id is letters, digits, '_', '.', '-'")
    end = int(now_ms if now_ms is not None else datetime.now(timezone.utc).timestamp() * 1000)
    start = end - int(hours * HOUR_MS)
    where = f"\"tank\" = '{tank}' AND time >= {start}ms AND time <= {end}ms"
    data = TankData(tank, start, end)
    data.water = _columns(db.query("SELECT " + ", ".join(f'"{c}"' for c, _, _ in sensor_columns())
                                   + f' FROM "{WATER}" WHERE {where}'))
    data.score = _columns(db.query(f'SELECT "kl", "kl_mean", "kl_cov", "threshold" FROM "score" WHERE {where}'))
    data.daily = _columns(db.query("SELECT " + ", ".join(f'mean("{c}") AS "{c}"' for c, _, _ in sensor_columns())
                                   + f' FROM "{WATER}" WHERE "tank" = \'{tank}\' AND time >= {start - 14 * DAY_MS}ms'
                                   f" AND time <= {end}ms GROUP BY time(1d) fill(none)"))
    data.alerts = load_alert_state(db, tank, start, end)
    for s in db.query(f'SELECT last("rate_per_day") AS "rate_per_day", last("days_to_limit") AS "days_to_limit", '
                      f'last("low") AS "low", last("high") AS "high" FROM "forecast" WHERE {where} '
                      'GROUP BY "sensor"'):
        row = dict(zip(s["columns"], s["values"][0]))
        data.forecasts[s["tags"]["sensor"]] = row
    if data.water.get("time") is None or not len(data.water["time"]):
        known = sorted({v[1] for s in db.query(f'SHOW TAG VALUES FROM "{WATER}" WITH KEY = "tank"') for v in s["values"]})
        raise ReportError(f"no readings from tank {tank!r} in the last {hours:g} hours; tanks with data: "
                          f"{', '.join(known) or 'none'}. Check --tank and --since.")
    return data


# --------------------------------------------------------------------------- figures


def _dt(ms: Any) -> Any:
    return np.asarray(ms, dtype="datetime64[ms]").astype(object) if np.ndim(ms) else \
        datetime.fromtimestamp(float(ms) / 1000, tz=timezone.utc)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


MAX_LABEL_ROWS = 5  # more overlapping alerts keep their bars; their names are in the alert log


def label_rows(spans: Sequence[AlertSpan], start_ms: int, end_ms: int, chars_per_width: float = 60.0) -> list[int]:
    """The row of each span's label, so labels of overlapping spans stack instead of running together.

    A label takes about ``len(name) / chars_per_width`` of the plot's width; it starts at its span's
    start, or ends at the plot's end when it would run past it.

    >>> s = [AlertSpan("drift", "warning", 0, 50, False), AlertSpan("sump_low", "critical", 10, 20, False),
    ...      AlertSpan("pump_stopped", "critical", 90, 95, False)]
    >>> label_rows(s, 0, 100)  # "pump stopped" fits after "water drifting"
    [0, 1, 0]
    >>> label_rows(s, 0, 1000)  # on a wider time scale the names take longer spans of time
    [0, 1, 2]
    """
    ends: list[float] = []
    rows = []
    for s in spans:
        x0, x1 = label_extent(s, start_ms, end_ms, chars_per_width)
        row = next((i for i, e in enumerate(ends) if e <= x0), len(ends))
        if row == len(ends):
            ends.append(x1)
        else:
            ends[row] = x1
        rows.append(row)
    return rows


def label_extent(s: AlertSpan, start_ms: int, end_ms: int, chars_per_width: float = 60.0) -> tuple[float, float]:
    """Where the span's bar and label lie together, clipped into [start_ms, end_ms]."""
    width = max(end_ms - start_ms, 1)
    text = len(alert_name(s.key)) / chars_per_width * width
    x0 = float(max(s.start_ms, start_ms))
    if x0 + text > end_ms:  # too close to the end: the label ends at the plot's end
        x0 = max(float(start_ms), end_ms - text)
    return x0, max(float(s.end_ms), x0 + text)


def alert_name(key: str) -> str:
    """The keeper's name of an alert (as in the notifications).

    >>> alert_name("pump_lockout")
    'pump locked out'
    """
    from analytics.notify_text import TITLES

    return TITLES.get(key, key.replace("_", " "))


def _shade(ax: Any, spans: Sequence[AlertSpan], start_ms: int, end_ms: int) -> None:
    """Each alert's time shaded on ``ax`` in its severity's colour (a span of a minute still shows)."""
    for s in spans:
        x0 = max(s.start_ms, start_ms)
        x1 = max(s.end_ms, x0 + (end_ms - start_ms) // 300)
        ax.axvspan(_dt(x0), _dt(x1), color=ALERT_COLOURS.get(s.severity, "grey"), alpha=0.15, lw=0)


def _label_lane(lane: Any, spans: Sequence[AlertSpan], rows: Sequence[int], start_ms: int, end_ms: int) -> None:
    """Each alert's bar and name on ``lane``, a strip above the plot: the names never cover the data."""
    lane.set_ylim(min(max(rows, default=0) + 1, MAX_LABEL_ROWS), 0)
    lane.axis("off")
    for s, row in zip(spans, rows):
        if row >= MAX_LABEL_ROWS:
            continue
        colour = ALERT_COLOURS.get(s.severity, "grey")
        x0 = max(s.start_ms, start_ms)
        x1 = max(min(s.end_ms, end_ms), x0 + (end_ms - start_ms) // 300)
        lane.plot([_dt(x0), _dt(x1)], [row + 0.1, row + 0.1], color=colour, lw=3, solid_capstyle="butt")
        tx = label_extent(s, start_ms, end_ms, LABEL_CHARS_PER_WIDTH)[0]
        lane.text(_dt(int(tx)), row + 0.2, alert_name(s.key), fontsize=FONT - 2, color=colour, va="top",
                  ha="left", clip_on=False)


# A figure is FIG_WIDTH_IN inches at DPI (675 px): on a 390 px phone it is shown ~360 px wide, so a point of
# text is ~1.1 px there (11 pt ~12 px, the smallest, 9 pt, ~10 px); on a desktop's half column ~2 px.
FIG_WIDTH_IN, DPI, FONT = 4.5, 150, 11
LABEL_CHARS_PER_WIDTH = 45.0  # names in FONT - 2 points across the plot's width
LANE_ROW_IN = 0.27  # height of one row of alert names above a plot


def _figure_with_lane(height_in: float, spans: Sequence[AlertSpan], start_ms: int,
                      end_ms: int) -> tuple[Any, Any]:
    """A figure with the plot's axes and, above it, a lane naming the alerts (none without alerts)."""
    rows = label_rows(spans, start_ms, end_ms, LABEL_CHARS_PER_WIDTH)
    shown = min(max(rows, default=-1) + 1, MAX_LABEL_ROWS)
    if not shown:
        fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, height_in), layout="constrained")
        return fig, ax
    fig, (lane, ax) = plt.subplots(2, 1, sharex=True, figsize=(FIG_WIDTH_IN, height_in + shown * LANE_ROW_IN),
                                   height_ratios=[shown * LANE_ROW_IN, height_in], layout="constrained")
    _label_lane(lane, spans, rows, start_ms, end_ms)
    return fig, ax


def sensor_figures(data: TankData, spans: Sequence[AlertSpan]) -> list[tuple[str, str, str]]:
    """One small figure per sensor (id, title, base64 PNG): each readable at a phone's width."""
    t = data.water["time"]
    healthy = outside_spans(t, spans)
    when = _dt(t)
    out = []
    for c, label, unit in sensor_columns():
        x = data.water.get(c)
        if x is None or not np.isfinite(x).any():
            continue
        fig, ax = _figure_with_lane(2.6, spans, data.start_ms, data.end_ms)
        mean, std = hour_of_day_baseline(t, x, healthy)
        low, high = band_at(t, mean, std)
        ax.fill_between(when, low, high, color="#2ca02c", alpha=0.25, lw=0, label="usual ± 2σ at this hour")
        ax.plot(when, x, lw=0.9, color="#1f3b73", label=label)
        _shade(ax, spans, data.start_ms, data.end_ms)
        ax.set_xlim(_dt(data.start_ms), _dt(data.end_ms))
        ax.set_ylabel(unit or label, fontsize=FONT)
        ax.tick_params(labelsize=FONT - 1)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=FONT - 1, ncol=2, frameon=False)
        _time_axis(ax, data.zone)
        out.append((f"sensor-{c}", f"{label}" + (f" ({unit})" if unit else ""), _png(fig)))
    return out


def _time_axis(ax: Any, zone: tzinfo) -> None:
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M", tz=zone))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))  # 6 fit a phone's width


def score_figure(data: TankData, spans: Sequence[AlertSpan]) -> str:
    sc = data.score
    when = _dt(sc["time"])
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 3.2), layout="constrained")
    floor = 1e-3
    for col, label, style in (("kl", "KL drift score", "-"), ("kl_mean", "mean part", ":"),
                              ("kl_cov", "covariance part", "--")):
        if col in sc:
            ax.plot(when, np.maximum(sc[col], floor), style, lw=0.8, label=label)
    if "threshold" in sc:
        ax.plot(when, sc["threshold"], color="#d62728", lw=1.2, label="threshold")
    ax.set_yscale("log")
    _shade(ax, spans, data.start_ms, data.end_ms)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=FONT - 1, ncol=2, frameon=False)
    _time_axis(ax, data.zone)
    ax.tick_params(labelsize=FONT - 1)
    return _png(fig)


def forecast_figure(data: TankData) -> str:
    names = [c for c, _, _ in sensor_columns() if c in data.forecasts]
    fig, axes = plt.subplots(len(names), 1, figsize=(FIG_WIDTH_IN, 3 * len(names)), squeeze=False,
                             layout="constrained")
    for ax, c in zip(axes[:, 0], names):
        f = data.forecasts[c]
        label = next(lbl for n, lbl, _ in sensor_columns() if n == c)
        t0 = int(f["time"])
        if c in data.daily and len(data.daily.get("time", [])):
            ax.plot(_dt(data.daily["time"] + DAY_MS // 2), data.daily[c], "o", ms=4, label="daily mean")
            last = data.daily[c][np.isfinite(data.daily[c])]
            level = float(last[-1]) if len(last) else float("nan")
        else:
            level = float("nan")
        rate = float(f.get("rate_per_day") or 0.0)
        days, low, high = (_finite(f.get("days_to_limit")), _finite(f.get("low")), _finite(f.get("high")))
        horizon = min(days if days is not None else 14.0, 60.0)
        hx = np.array([t0, t0 + int(max(horizon, 1.0) * DAY_MS)])
        ax.plot(_dt(hx), level + rate * (hx - t0) / DAY_MS, "--", color="#ff7f0e",
                label=f"trend {rate:+.2f}/day")
        if days is not None:
            ax.axvline(_dt(t0 + int(days * DAY_MS)), color="#d62728", lw=1, label=f"limit in {days:.0f} d")
            if low is not None:
                end = t0 + int((high if high is not None else days * 2) * DAY_MS)
                ax.axvspan(_dt(t0 + int(low * DAY_MS)), _dt(end), color="#d62728", alpha=0.12, lw=0,
                           label="interval" + ("" if high is not None else " (open-ended)"))
        ax.set_title(f"{label}: forecast", fontsize=FONT)
        ax.legend(fontsize=FONT - 1, loc="best")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=data.zone))
        ax.tick_params(labelsize=FONT - 1)
    return _png(fig)


def _finite(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- page


def _fmt(ms: int, zone: tzinfo = timezone.utc) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, tz=zone):%Y-%m-%d %H:%M}"


def zone_label(zone: tzinfo) -> str:
    """How the report names the keeper's clock: "Europe/Berlin", or "UTC".

    >>> zone_label(timezone.utc)
    'UTC'
    """
    return str(getattr(zone, "key", None) or datetime.now(zone).tzname() or "UTC")


def render_html(data: TankData, figures: Sequence[tuple[str, str, str]], hours: float) -> str:
    """The page: ``figures`` are (id, title, base64 PNG).  Phone first: one column, wrapping log."""
    e = html.escape
    spans = alert_spans(data.alerts, data.end_ms)
    firing = [s for s in spans if s.open]
    status = (f"<p class='bad'>{'1 alert' if len(firing) == 1 else f'{len(firing)} alerts'} still firing: "
              + ", ".join(e(alert_name(s.key)) for s in firing) + "</p>") if firing \
        else "<p class='ok'>No alert is firing.</p>"
    imgs = "\n".join(f"<figure><figcaption>{e(title)}</figcaption><img id='{e(fid)}' class='figure' "
                     f"alt='{e(title)}' src='data:image/png;base64,{b64}'></figure>" for fid, title, b64 in figures)
    rows = "\n".join(
        f"<tr class='{e(str(a['state']))}' data-key='{e(str(a['key']))}'><td>{_fmt(int(a['time']), data.zone)}</td>"
        f"<td>{e(alert_name(str(a['key'])))}</td><td>{e(str(a['severity']))}</td><td>{e(str(a['state']))}"
        f"{' (before this period)' if int(a['time']) < data.start_ms else ''}</td><td>{e(str(a['summary']))}</td></tr>"
        for a in data.alerts) or "<tr><td colspan='5'>No alerts in this period.</td></tr>"
    fc_rows = "\n".join(
        f"<tr><td>{e(next((lbl for n, lbl, _ in sensor_columns() if n == c), c))}</td><td>{_num(f.get('rate_per_day'), '+.3g')}"
        f"</td><td>{_num(f.get('days_to_limit'))}</td><td>{_num(f.get('low'))} – {_num(f.get('high'))}</td></tr>"
        for c, f in data.forecasts.items())
    forecast_table = (f"<table><thead><tr><th>sensor</th><th>rate per day</th><th>days to limit</th><th>interval "
                      f"(days)</th></tr></thead><tbody>{fc_rows}</tbody></table>") if fc_rows \
        else "<p>No forecast yet (it needs 3 days).</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>aquamon report: {e(data.tank)}</title>
<style>
body{{font-family:system-ui,sans-serif;font-size:17px;line-height:1.45;max-width:1300px;margin:0 auto;padding:0 .8em;
  color:#1b1f24;background:#fff}}
@media (prefers-color-scheme:dark){{body{{color:#e6e9ec;background:#12161b}} img.figure{{background:#fff}}
  tr.firing td{{background:#3a1a1a!important}} tr.resolved td{{background:#16301a!important}} td,th{{border-color:#333!important}}}}
h1{{font-size:1.4em}} h2{{margin-top:1.4em;font-size:1.15em}}
.figures{{display:grid;grid-template-columns:1fr;gap:.8em}}
@media (min-width:900px){{.figures{{grid-template-columns:1fr 1fr}}}}
figure{{margin:0}} figcaption{{font-weight:600;margin:.3em 0}}
img.figure{{width:100%;height:auto;display:block}}
table{{border-collapse:collapse;font-size:.92em;width:100%}} td,th{{border:1px solid #ccc;padding:4px 6px;text-align:left;
  vertical-align:top;overflow-wrap:break-word}}
tr.firing td{{background:#fdecea}} tr.resolved td{{background:#edf7ed}} .bad{{color:#b00020;font-weight:bold}}
.ok{{color:#1b5e20}} .meta{{color:#666;font-size:.88em}}
@media (max-width:640px){{#alert-log thead{{display:none}} #alert-log tr{{display:block;border:1px solid #ccc;
  margin:.4em 0}} #alert-log td{{display:block;border:0;padding:2px 6px}}}}
</style></head><body>
<h1>aquamon report: tank {e(data.tank)}</h1>
<p class="meta">From {_fmt(data.start_ms, data.zone)} to {_fmt(data.end_ms, data.zone)} {e(zone_label(data.zone))} (last {hours:g} hours);
generated {datetime.now(data.zone):%Y-%m-%d %H:%M} {e(zone_label(data.zone))}. {len(data.alerts)} alert transitions.</p>
{status}
<h2>Sensors and drift</h2>
<div class="figures">
{imgs}
</div>
<h2>Forecast numbers</h2>
{forecast_table}
<h2>Alert log</h2>
<table id="alert-log"><thead><tr><th>time ({e(zone_label(data.zone))})</th><th>alert</th><th>severity</th><th>state</th><th>summary</th></tr>
</thead><tbody>
{rows}
</tbody></table>
<p class="meta">Coloured spans: alerts, named (red critical, orange warning). The green band is the mean ± 2σ of the
healthy readings at the same hour of the day in this period (readings under an alert left out).</p>
</body></html>
"""


def _num(v: Any, spec: str = ".1f") -> str:
    x = _finite(v)
    return "–" if x is None else format(x, spec)


def build_report(data: TankData, hours: float) -> str:
    spans = alert_spans(data.alerts, data.end_ms)
    figures = sensor_figures(data, spans)
    if data.score.get("time") is not None and len(data.score["time"]):
        figures.append(("drift", "Drift score", score_figure(data, spans)))
    if data.forecasts:
        figures.append(("forecast", "Forecast", forecast_figure(data)))
    return render_html(data, figures, hours)


def write_report(db: InfluxV1 | InfluxV2, tank: str, out_dir: Path, hours: float = 168.0, now_ms: int | None = None,
                 zone: tzinfo = timezone.utc) -> Path:
    """Write ``out_dir/report.html`` for ``tank`` over the last ``hours``; return its path.

    Raises :class:`ReportError` (with what to change) when the tank has no data in
    that period, and :class:`aquamon.influx.QueryError` when InfluxDB cannot answer.
    """
    data = load_tank(db, tank, hours, now_ms)
    data.zone = zone
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(build_report(data, hours), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return path
