"""Draw a dashboard without Grafana: run its queries on InfluxDB and lay the panels
out on the same 24-column grid with matplotlib.

    python deploy/grafana/preview.py deploy/grafana/dashboards/tank.json \\
        --url http://127.0.0.1:8086 --db aquamon --out tank.png [--var tank=tank1]

Grafana cannot run on our machines; this gives a faithful-enough picture of what a
dashboard shows on real data (the image in the README comes from it).  It shares the
variable substitution with the dashboard test, so what is drawn is what is tested.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

GRAFANA_STEPS = ((10, "10s"), (20, "20s"), (30, "30s"), (60, "1m"), (120, "2m"), (300, "5m"), (600, "10m"),
                 (900, "15m"), (1800, "30m"), (3600, "1h"))


def grafana_interval(time_from: str, max_data_points: int = 1200) -> str:
    """``$__interval`` as Grafana picks it: range / data points, rounded up to a round step.

    >>> grafana_interval("now-2d"), grafana_interval("now-6h")
    ('5m', '20s')
    """
    n, unit = int(time_from[4:-1]), time_from[-1]
    seconds = n * {"m": 60, "h": 3600, "d": 86400}[unit] / max_data_points
    return next((text for step, text in GRAFANA_STEPS if seconds <= step), "1h")


def substitute(query: str, values: dict[str, str], time_from: str = "now-2d") -> str:
    """Replace Grafana's macros and variables as its InfluxDB data source does, for the
    time range ``time_from`` to now.

    >>> substitute('SELECT mean("$sensor") FROM "water" WHERE "tank" = \\'$tank\\' AND $timeFilter '
    ...            'GROUP BY time($__interval)', {"tank": "t1", "sensor": "ph"})
    'SELECT mean("ph") FROM "water" WHERE "tank" = \\'t1\\' AND time > now() - 2d GROUP BY time(5m)'
    """
    q = (query.replace("$timeFilter", f"time > now() - {time_from[4:]}")
         .replace("$__interval", grafana_interval(time_from)))
    for name in sorted(values, key=len, reverse=True):
        q = q.replace("$" + name, values[name])
    left = set(re.findall(r"\$\{?(\w+)", q)) - {"tag_device", "tag_instance", "tag_sensor"}
    if left:
        raise ValueError(f"unsubstituted variables {sorted(left)} in {q}")
    return q


def variable_values(db: Any, doc: dict[str, Any]) -> dict[str, list[str]]:
    """Every template variable's values, running query variables in order (later may use earlier)."""
    values: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for v in doc["templating"]["list"]:
        if v["type"] == "textbox":
            values[v["name"]] = [v["query"]]
        elif v["type"] == "custom":
            values[v["name"]] = [x.strip() for x in v["query"].split(",")]
        elif v["type"] == "query":
            series = db.query(substitute(v["query"], first, doc["time"]["from"]))
            values[v["name"]] = sorted({row[1] for s in series for row in s["values"]})
        else:
            raise ValueError(f"variable ${v['name']}: type {v['type']!r} is not handled")
        if values[v["name"]]:
            first[v["name"]] = values[v["name"]][0]
    return values


def render(db: Any, doc: dict[str, Any], out: Path, chosen: dict[str, str] | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    all_values = variable_values(db, doc)
    values = {k: v[0] for k, v in all_values.items() if v}
    values.update(chosen or {})
    panels = expand_repeats([p for p in doc["panels"] if p["type"] != "row" or not p.get("collapsed")],
                            all_values)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    unit_px = 0.36  # inches per grid unit of height (Grafana: 30 px)
    fig = plt.figure(figsize=(16, bottom * unit_px), facecolor="#111217")
    for p in panels:
        g = p["gridPos"]
        pad = 0.2  # grid units between panels
        rect = (g["x"] / 24 + 0.003, 1 - (g["y"] + g["h"] - pad) / bottom, g["w"] / 24 - 0.006,
                (g["h"] - 2 * pad) / bottom)
        ax = fig.add_axes(rect, facecolor="#181b1f")
        for side in ax.spines.values():
            side.set_color("#2c3235")
        ax.tick_params(colors="#ccccdc", labelsize=6)
        here = dict(values, **p.get("_repeat_value", {}))
        title = p["title"].replace("$sensor", here.get("sensor", "")).replace("$tank", here.get("tank", ""))
        if p["type"] == "row":
            ax.set_axis_off()
            ax.text(0, 0.5, title, color="#ccccdc", fontsize=10, weight="bold", va="center")
            continue
        ax.set_title(title, color="#ccccdc", fontsize=8, loc="left")
        frames = []
        for t in p["targets"]:
            for s in db.query(substitute(t["query"], here, doc["time"]["from"])):
                alias = t.get("alias") or t["refId"]
                frames.append((alias.replace("$sensor", here.get("sensor", "")), s))
        _draw(ax, p, frames, mdates)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=70, facecolor=fig.get_facecolor())
    plt.close(fig)
    return out


def expand_repeats(panels: list[dict[str, Any]], values: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Repeat panels once per value as Grafana does (``maxPerRow`` across, then down)."""
    out: list[dict[str, Any]] = []
    shift = 0
    for p in sorted(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"])):
        g = dict(p["gridPos"], y=p["gridPos"]["y"] + shift)
        if not p.get("repeat") or p["type"] == "row":
            out.append(dict(p, gridPos=g))
            continue
        vals = values.get(p["repeat"], [])
        per_row = max(1, min(p.get("maxPerRow", 4), 24 // g["w"]))
        for k, v in enumerate(vals):
            out.append(dict(p, _repeat_value={p["repeat"]: v},
                            gridPos=dict(g, x=(k % per_row) * g["w"], y=g["y"] + (k // per_row) * g["h"])))
        shift += (max(1, -(-len(vals) // per_row)) - 1) * g["h"]
    return out


def _draw(ax: Any, p: dict[str, Any], frames: list[tuple[str, dict[str, Any]]], mdates: Any) -> None:
    kind = p["type"]
    if kind == "stat":
        vals = [v for _, s in frames for row in s["values"] for v in row[1:] if isinstance(v, (int, float))]
        ax.set_axis_off()
        text = "–" if not vals else f"{vals[-1]:.3g}"
        ax.text(0.5, 0.4, text, color="#73bf69", fontsize=22, ha="center", va="center", transform=ax.transAxes)
        return
    if kind == "table":
        ax.set_axis_off()
        lines = []
        for _, s in frames[:6]:
            tags = " ".join(f"{k}={v}" for k, v in (s.get("tags") or {}).items())
            for row in s["values"][:6]:
                cells = [datetime.fromtimestamp(row[0] / 1000, tz=timezone.utc).strftime("%d %H:%M")] + \
                        [f"{c:.3g}" if isinstance(c, float) else str(c)[:60] for c in row[1:]]
                lines.append((tags + "  " if tags else "") + "  ".join(cells))
        ax.text(0.01, 0.95, "\n".join(lines[:9]) or "no data", color="#ccccdc", fontsize=6, va="top",
                family="monospace", transform=ax.transAxes)
        return
    band: dict[str, Any] = {}
    for alias, s in frames:
        cols = s["columns"]
        t = [datetime.fromtimestamp(r[0] / 1000, tz=timezone.utc) for r in s["values"]]
        for i, c in enumerate(cols[1:], start=1):
            y = [float(r[i]) if isinstance(r[i], (int, float)) else float("nan") for r in s["values"]]
            label = alias if len(cols) == 2 else c
            label = label.replace("$tag_device", (s.get("tags") or {}).get("device", "")) \
                         .replace("$tag_sensor", (s.get("tags") or {}).get("sensor", "")) \
                         .replace("$tag_instance", (s.get("tags") or {}).get("instance", ""))
            if label.startswith("band "):
                band[label] = (t, y)
            elif kind == "state-timeline":
                ax.fill_between(t, 0, y, step="post", color="#73bf69", alpha=0.8)
                ax.set_yticks([])
            else:
                ax.plot(t, y, lw=0.8, label=label, marker="." if len(y) < 30 else None)
    if "band low" in band and "band high" in band:
        (t, lo), (_, hi) = band["band low"], band["band high"]
        ax.fill_between(t, lo, hi, step="mid", color="#73bf69", alpha=0.25, lw=0)
    custom = p.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
    if custom.get("scaleDistribution", {}).get("type") == "log":
        ax.set_yscale("log")
    if kind != "state-timeline" and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=5, loc="upper left", facecolor="#181b1f", labelcolor="#ccccdc", edgecolor="#2c3235")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dashboard", type=Path)
    ap.add_argument("--url", default="http://127.0.0.1:8086")
    ap.add_argument("--db", default="aquamon")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--var", action="append", default=[], help="name=value (default: each variable's first value)")
    a = ap.parse_args(argv)
    from aquamon.influx import InfluxV1

    chosen = dict(v.split("=", 1) for v in a.var)
    print(render(InfluxV1(a.url, a.db), json.loads(a.dashboard.read_text()), a.out, chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
