"""A self-contained HTML report of one tank: sensors, drift score, alert log.

Figures are drawn with matplotlib (Agg) and embedded as base64 PNG so the page
is one file that can be mailed or opened anywhere.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from aquamon.influx import InfluxV1  # noqa: E402

PANELS = (("temp_c", "Temperature (°C)"), ("ph", "pH"), ("tds_ppm", "TDS (ppm)"), ("turb_ntu", "Turbidity (NTU)"))


def _series(db: InfluxV1, q: str) -> dict[str, Any]:
    s = db.query(q)
    if not s:
        return {}
    cols = s[0]["columns"]
    vals = s[0]["values"]
    return {c: np.array([v[i] if v[i] is not None else np.nan for v in vals], dtype=object if c in
                        ("state", "summary", "key", "severity") else float) for i, c in enumerate(cols)}


def _dt(ms: np.ndarray) -> list[datetime]:
    return [datetime.fromtimestamp(float(x) / 1000, tz=timezone.utc) for x in ms]


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _alert_spans(alerts: list[dict[str, Any]]) -> list[tuple[str, float, float | None]]:
    spans: list[tuple[str, float, float | None]] = []
    open_: dict[str, float] = {}
    for a in alerts:
        if a["state"] == "firing":
            open_[a["key"]] = a["time"]
        elif a["key"] in open_:
            spans.append((a["key"], open_.pop(a["key"]), a["time"]))
    spans += [(k, t, None) for k, t in open_.items()]
    return spans


def write_report(db: InfluxV1, tank: str, out_dir: Path, hours: float = 168.0) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    where = f"\"tank\" = '{tank}' AND time > now() - {int(hours * 60) + 60}m"
    water = _series(db, "SELECT " + ", ".join(f'"{c}"' for c, _ in PANELS) + f' FROM "water" WHERE {where}')
    score = _series(db, f'SELECT "kl", "threshold", "kl_mean", "kl_cov" FROM "score" WHERE {where}')
    alert_rows = db.query(f'SELECT "state", "summary", "key", "severity" FROM "alert" WHERE {where}')
    alerts: list[dict[str, Any]] = []
    for s in alert_rows:
        cols = s["columns"]
        alerts += [dict(zip(cols, v)) for v in s["values"]]
    alerts.sort(key=lambda a: a["time"])
    spans = _alert_spans(alerts)
    figures: list[tuple[str, str]] = []
    if water:
        t = _dt(water["time"])
        fig, axes = plt.subplots(len(PANELS), 1, figsize=(10, 2.2 * len(PANELS)), sharex=True)
        for ax, (col, label) in zip(axes, PANELS):
            if col in water:
                ax.plot(t, water[col].astype(float), lw=0.8)
            ax.set_ylabel(label)
            for key, a, b in spans:
                ax.axvspan(_dt(np.array([a]))[0], _dt(np.array([b if b else water["time"][-1]]))[0],
                           color="red" if key != "drift" else "orange", alpha=0.15)
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %H:%M"))
        fig.suptitle(f"Tank {tank}: sensors (shaded: alerts)")
        figures.append(("Sensors", _png(fig)))
    if score and "kl" in score:
        t = _dt(score["time"])
        fig, ax = plt.subplots(figsize=(10, 3))
        ax.semilogy(t, np.maximum(score["kl"].astype(float), 1e-4), lw=0.8, label="KL drift score")
        ax.semilogy(t, score["threshold"].astype(float), "r--", lw=0.8, label="threshold (1 false alarm / 30 days)")
        ax.legend(loc="upper left")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %H:%M"))
        ax.set_title("Drift score against the healthy baseline")
        figures.append(("Drift score", _png(fig)))
    rows = "".join(
        f"<tr><td>{datetime.fromtimestamp(a['time'] / 1000, tz=timezone.utc):%Y-%m-%d %H:%M}</td>"
        f"<td>{html.escape(str(a['key']))}</td><td>{html.escape(str(a['severity']))}</td>"
        f"<td>{html.escape(str(a['state']))}</td><td>{html.escape(str(a['summary']))}</td></tr>" for a in alerts)
    imgs = "".join(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' src='data:image/png;base64,{b64}'>"
                   for title, b64 in figures)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>aquamon report: {html.escape(tank)}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:auto}}img{{max-width:100%}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px}}</style></head><body>
<h1>aquamon report: tank {html.escape(tank)}</h1>
<p>Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, last {hours:g} hours.</p>
{imgs}<h2>Alert log</h2><table><tr><th>time (UTC)</th><th>alert</th><th>severity</th><th>state</th><th>summary</th></tr>
{rows}</table></body></html>"""
    path = out_dir / "report.html"
    path.write_text(page)
    return path
