"""Writes the Grafana dashboards in ``deploy/grafana/dashboards/`` (run: ``python deploy/grafana/generate.py``).

The dashboards are generated rather than hand-edited so that every query is
written once, in one style, and so the test (tests/test_grafana_dashboards.py)
can check that the committed JSON is exactly what this script produces.

Every query is raw InfluxQL (works on InfluxDB 1.x, and on 2.x/3.x through
their InfluxQL endpoint) against the storage contract: measurements ``water``,
``device``, ``event``, ``score``, ``alert``, ``forecast``, ``gateway``.
Grafana macros used: ``$timeFilter``, ``$__interval``; template variables:
``$tank``, ``$sensor``, ``$filter``, ``$instance``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from a checkout
from aquamon.contract import shown_sensors

OUT = Path(__file__).resolve().parent / "dashboards"
DS = {"type": "influxdb", "uid": "aquamon-influxdb"}  # the provisioned datasource (provisioning/datasources)
SCHEMA_VERSION = 39
# Grafana's unit ids for the contract's units; a unit Grafana has no id for goes into the title
GRAFANA_UNITS = {"°C": "celsius", "ppm": "ppm", "cm": "lengthcm"}
SENSORS = tuple((s.key, s.title if s.unit in GRAFANA_UNITS or not s.unit else f"{s.title} ({s.unit})",
                 GRAFANA_UNITS.get(s.unit, "none")) for s in shown_sensors())
ONE_TANK = "\"tank\" = '$tank'"
MANY_TANKS = "\"tank\" =~ /^$tank$/"


def target(ref: str, query: str, fmt: str = "time_series", alias: str = "") -> dict[str, Any]:
    t: dict[str, Any] = {"refId": ref, "datasource": DS, "query": query, "rawQuery": True, "resultFormat": fmt}
    if alias:
        t["alias"] = alias
    return t


class Layout:
    """Places panels on Grafana's 24-column grid, left to right, then down."""

    def __init__(self) -> None:
        self.x = self.y = self.row_h = 0
        self.next_id = 1

    def place(self, panel: dict[str, Any], w: int, h: int) -> dict[str, Any]:
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel["id"] = self.next_id
        self.next_id += 1
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return panel

    def row(self, title: str, *, repeat: str = "", collapsed: bool = False,
            panels: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        p: dict[str, Any] = {"type": "row", "title": title, "collapsed": collapsed, "id": self.next_id,
                             "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": panels or []}
        if repeat:
            p["repeat"] = repeat
        self.next_id += 1
        self.y += 1
        return p


def panel(kind: str, title: str, targets: list[dict[str, Any]], *, unit: str = "", description: str = "",
          options: dict[str, Any] | None = None, custom: dict[str, Any] | None = None,
          overrides: list[dict[str, Any]] | None = None, mappings: list[dict[str, Any]] | None = None,
          thresholds: list[dict[str, Any]] | None = None, transformations: list[dict[str, Any]] | None = None,
          decimals: int | None = None, **extra: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if decimals is not None:
        defaults["decimals"] = decimals
    if unit:
        defaults["unit"] = unit
    if custom:
        defaults["custom"] = custom
    if mappings:
        defaults["mappings"] = mappings
    if thresholds:
        defaults["thresholds"] = {"mode": "absolute", "steps": thresholds}
    p: dict[str, Any] = {"type": kind, "title": title, "datasource": DS, "targets": targets,
                         "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
                         "options": options or {}}
    if description:
        p["description"] = description
    if transformations:
        p["transformations"] = transformations
    p.update(extra)
    return p


def by_name(name: str, **props: Any) -> dict[str, Any]:
    return {"matcher": {"id": "byName", "options": name},
            "properties": [{"id": k.replace("__", "."), "value": v} for k, v in props.items()]}


def dashboard(uid: str, title: str, panels: list[dict[str, Any]], variables: list[dict[str, Any]],
              annotations: list[dict[str, Any]] | None = None, time_from: str = "now-2d",
              description: str = "") -> dict[str, Any]:
    builtin = {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
               "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
               "type": "dashboard"}
    return {
        "uid": uid, "title": title, "description": description, "tags": ["aquamon"], "timezone": "browser",
        "editable": True, "graphTooltip": 1, "schemaVersion": SCHEMA_VERSION, "version": 1, "refresh": "1m",
        "time": {"from": time_from, "to": "now"},
        "links": [{"title": "aquamon", "type": "dashboards", "tags": ["aquamon"], "asDropdown": True,
                   "includeVars": True, "keepTime": True}],
        "templating": {"list": variables},
        "annotations": {"list": [builtin] + (annotations or [])},
        "panels": panels,
    }


def query_var(name: str, label: str, query: str, *, multi: bool, all_value: str | None = ".*",
              refresh: int = 1) -> dict[str, Any]:
    v: dict[str, Any] = {"type": "query", "name": name, "label": label, "datasource": DS, "query": query, "refresh": refresh, "multi": multi,
                         "includeAll": multi, "sort": 1, "current": {}, "options": [], "hide": 0}
    if multi and all_value is not None:
        # With hundreds of tanks "All" must not expand into a regex of every name.
        v["allValue"] = all_value
    return v


def annotation(name: str, colour: str, query: str, *, text: str, tags: str) -> dict[str, Any]:
    # The InfluxDB data source keeps its annotation query in `target` (Grafana
    # migrates the older top-level `query`/`textColumn` form to this one).
    return {"name": name, "datasource": DS, "enable": True, "hide": False, "iconColor": colour,
            "target": {"refId": "Anno", "query": query, "rawQuery": True, "fromAnnotations": True,
                       "textColumn": text, "tagsColumn": tags}}


# --------------------------------------------------------------------------- fleet


def fleet() -> dict[str, Any]:
    lay = Layout()
    tanks_q = "SHOW TAG VALUES FROM \"water\" WITH KEY = \"tank\" WHERE \"tank\" =~ /$filter/"
    variables = [
        {"type": "textbox", "name": "filter", "label": "Tank name filter (regex)", "query": ".*",
         "current": {"text": ".*", "value": ".*"}, "options": [{"selected": True, "text": ".*", "value": ".*"}],
         "hide": 0},
        query_var("tank", "Tank", tanks_q, multi=True),
    ]
    sel = f"{MANY_TANKS} AND $timeFilter"
    last_seen = target("A", f"SELECT last(\"seq\") AS \"readings\" FROM \"water\" WHERE {sel} GROUP BY \"tank\"",
                       "table")
    online = target("B", f"SELECT last(\"online\") AS \"online\" FROM \"device\" WHERE {sel} GROUP BY \"tank\"",
                    "table")
    worst = target("C", "SELECT max(\"ratio\") AS \"worst score\" FROM (SELECT \"kl\" / \"threshold\" AS \"ratio\" "
                        f"FROM \"score\" WHERE {sel}) GROUP BY \"tank\"", "table")
    active = target("D", "SELECT count(\"state\") AS \"active alerts\" FROM (SELECT last(\"state\") AS \"state\" "
                         f"FROM \"alert\" WHERE {sel} GROUP BY \"tank\", \"key\") WHERE \"state\" = 'firing' "
                         "GROUP BY \"tank\"", "table")
    soonest = target("E", "SELECT min(\"days\") AS \"days to a limit\" FROM (SELECT last(\"days_to_limit\") AS "
                          f"\"days\" FROM \"forecast\" WHERE {sel} GROUP BY \"tank\", \"sensor\") GROUP BY \"tank\"",
                     "table")
    summary = [
        lay.place(panel("stat", "Tanks reporting", [target(
            "A", f"SELECT count(\"n\") FROM (SELECT last(\"seq\") AS \"n\" FROM \"water\" WHERE {sel} "
                 "GROUP BY \"tank\")")], options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "none"},
            description="Tanks with at least one reading in the time range."), 6, 4),
        lay.place(panel("stat", "Tanks with active alerts", [target(
            "A", "SELECT count(\"n\") FROM (SELECT count(\"state\") AS \"n\" FROM (SELECT last(\"state\") AS "
                 f"\"state\" FROM \"alert\" WHERE {sel} GROUP BY \"tank\", \"key\") WHERE \"state\" = 'firing' "
                 "GROUP BY \"tank\")")],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
            thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]), 6, 4),
        lay.place(panel("stat", "Devices offline", [target(
            "A", "SELECT count(\"online\") FROM (SELECT last(\"online\") AS \"online\" FROM \"device\" WHERE "
                 f"{sel} GROUP BY \"tank\", \"device\") WHERE \"online\" = false")],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
            thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1}],
            description="Devices whose last status message says offline (their last will)."), 6, 4),
        lay.place(panel("stat", "Worst drift score / threshold", [target(
            "A", "SELECT max(\"ratio\") FROM (SELECT \"kl\" / \"threshold\" AS \"ratio\" FROM \"score\" "
                 f"WHERE {sel})")],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"}, unit="none",
            thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.5},
                        {"color": "red", "value": 1}]), 6, 4),
    ]
    table = lay.place(panel(
        "table", "Tanks (one row per tank)", [last_seen, online, worst, active, soonest],
        description="One row per tank, sortable by any column: click 'worst score' or 'active alerts' to see "
                    "the tanks that need attention first. The time of the last reading is 'last seen'. "
                    "Scales to hundreds of tanks: each column is one grouped query, not one query per tank.",
        transformations=[
            {"id": "joinByField", "options": {"byField": "tank", "mode": "outer"}},
            {"id": "organize", "options": {
                "excludeByName": {"Time 2": True, "Time 3": True, "Time 4": True, "Time 5": True},
                "renameByName": {"Time 1": "last seen"},
                "indexByName": {"tank": 0, "online": 1, "worst score": 2, "active alerts": 3,
                                "days to a limit": 4, "Time 1": 5, "readings": 6}}},
        ],
        options={"showHeader": True, "cellHeight": "sm", "sortBy": [{"displayName": "worst score", "desc": True}],
                 "footer": {"show": False, "reducer": ["sum"], "countRows": False}},
        overrides=[
            by_name("online", custom__cellOptions={"type": "color-background"},
                    mappings=[{"type": "value", "options": {
                        "true": {"text": "online", "color": "green", "index": 0},
                        "false": {"text": "OFFLINE", "color": "red", "index": 1}}}]),
            by_name("worst score", custom__cellOptions={"type": "color-background"}, decimals=2,
                    thresholds={"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                              {"color": "orange", "value": 0.5},
                                                              {"color": "red", "value": 1}]}),
            by_name("active alerts", custom__cellOptions={"type": "color-background"},
                    thresholds={"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                              {"color": "red", "value": 1}]}),
            by_name("days to a limit", decimals=1, unit="d"),
            by_name("tank", links=[{"title": "Open tank ${__value.raw}",
                                    "url": "/d/aquamon-tank?var-tank=${__value.raw}&${__url_time_range}"}]),
        ]), 24, 14)
    # Per-tank detail rows: repeated for the tanks picked in $tank, collapsed so
    # that "All" on a fleet of hundreds costs nothing until a row is opened.
    inner = Layout()
    inner.y = lay.y + lay.row_h + 1
    inner.next_id = lay.next_id + 1  # the row itself takes lay.next_id
    one = f"{ONE_TANK} AND $timeFilter"
    detail = [
        inner.place(panel("timeseries", "Drift score / threshold", [target(
            "A", f"SELECT mean(\"kl\") / mean(\"threshold\") FROM \"score\" WHERE {one} "
                 "GROUP BY time($__interval) fill(none)", alias="score / threshold")],
            custom={"scaleDistribution": {"type": "log", "log": 10}},
            thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}],
            options={"legend": {"showLegend": False, "displayMode": "list", "placement": "bottom", "calcs": []},
                     "tooltip": {"mode": "single", "sort": "none"}}), 12, 6),
        inner.place(panel("stat", "Temperature", [target(
            "A", f"SELECT last(\"temp_c\") FROM \"water\" WHERE {one}")], unit="celsius",
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "graphMode": "area"}), 4, 6),
        inner.place(panel("stat", "pH", [target("A", f"SELECT last(\"ph\") FROM \"water\" WHERE {one}")],
                          options={"reduceOptions": {"calcs": ["lastNotNull"]}}, decimals=2), 4, 6),
        inner.place(panel("stat", "Alerts fired", [target(
            "A", f"SELECT count(\"value\") FROM \"alert\" WHERE {one} AND \"state\" = 'firing'")],
            options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
            thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1}]), 4, 6),
    ]
    rows = [lay.row("Tank $tank", repeat="tank", collapsed=True, panels=detail)]
    return dashboard("aquamon-fleet", "aquamon: fleet overview", summary + [table] + rows, variables,
                     description="Every tank at a glance: status, worst drift score, active alerts, last "
                                 "reading, forecast. Open a tank from its name.")


# --------------------------------------------------------------------------- tank


def tank() -> dict[str, Any]:
    lay = Layout()
    variables = [
        query_var("tank", "Tank", "SHOW TAG VALUES FROM \"water\" WITH KEY = \"tank\"", multi=False),
        {"type": "custom", "name": "sensor", "label": "Sensors", "multi": True, "includeAll": True,
         "query": ",".join(s for s, _, _ in SENSORS),
         "current": {"text": ["All"], "value": ["$__all"]},
         "options": [{"selected": False, "text": s, "value": s} for s, _, _ in SENSORS], "hide": 0},
    ]
    one = f"{ONE_TANK} AND $timeFilter"
    alert_ann = annotation("Alerts", "red", f"SELECT \"summary\", \"key\", \"state\" FROM \"alert\" WHERE {one}",
                           text="summary", tags="key,state")
    event_ann = annotation("Device events", "blue", f"SELECT \"detail\", \"kind\" FROM \"event\" WHERE {one}",
                           text="detail", tags="kind")
    panels: list[dict[str, Any]] = [lay.row("Water: each sensor with its hourly band (mean ± 2σ)")]
    panels.append(lay.place(panel(
        "timeseries", "$sensor", [
            target("A", f"SELECT mean(\"$sensor\") FROM \"water\" WHERE {one} GROUP BY time($__interval) fill(none)",
                   alias="$sensor"),
            target("B", f"SELECT mean(\"$sensor\") - 2 * stddev(\"$sensor\") FROM \"water\" WHERE {one} "
                        "GROUP BY time(1h) fill(none)", alias="band low"),
            target("C", f"SELECT mean(\"$sensor\") + 2 * stddev(\"$sensor\") FROM \"water\" WHERE {one} "
                        "GROUP BY time(1h) fill(none)", alias="band high"),
        ],
        description="The line is the reading; the shaded band is each hour's mean ± 2 standard deviations, "
                    "computed by InfluxQL at query time. Red marks are alerts (annotations from the alert "
                    "measurement). The analytics' own day/night baseline is drawn in the HTML report.",
        custom={"lineWidth": 1, "fillOpacity": 0, "spanNulls": False},
        overrides=[
            by_name("band high", custom__fillBelowTo="band low", custom__lineWidth=0, custom__fillOpacity=20,
                    color={"mode": "fixed", "fixedColor": "green"}),
            by_name("band low", custom__lineWidth=0, color={"mode": "fixed", "fixedColor": "green"}),
        ],
        options={"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "multi", "sort": "none"}},
        repeat="sensor", repeatDirection="h", maxPerRow=3), 8, 8))
    panels.append(lay.row("Drift: score against its threshold"))
    panels.append(lay.place(panel(
        "timeseries", "Drift score (KL) with its mean and covariance parts", [
            target("A", f"SELECT mean(\"kl\") AS \"KL\", mean(\"kl_mean\") AS \"KL mean part\", "
                        f"mean(\"kl_cov\") AS \"KL covariance part\", mean(\"threshold\") AS \"threshold\" "
                        f"FROM \"score\" WHERE {one} GROUP BY time($__interval) fill(none)"),
        ],
        description="KL divergence of the last window from the healthy day/night baseline; the mean part "
                    "says the levels moved, the covariance part that the noise or correlations changed. "
                    "The alert fires above the threshold (calibrated to 1 false alarm per 30 days).",
        custom={"scaleDistribution": {"type": "log", "log": 10}, "lineWidth": 1},
        overrides=[by_name("threshold", custom__lineStyle={"fill": "dash", "dash": [10, 10]},
                           color={"mode": "fixed", "fixedColor": "red"})],
        options={"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "multi", "sort": "none"}}), 12, 8))
    panels.append(lay.place(panel(
        "timeseries", "Which sensor drifts (z-scores)", [
            target("A", f"SELECT mean(/^z_/) FROM \"score\" WHERE {one} GROUP BY time($__interval) fill(none)")],
        description="Standardised departure of each sensor from its baseline in the last window.",
        options={"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "multi", "sort": "none"}}), 12, 8))
    panels.append(lay.place(panel(
        "timeseries", "Other divergences", [
            target("A", f"SELECT mean(\"bhattacharyya\") AS \"Bhattacharyya\", mean(\"w2\") AS \"Wasserstein-2\" "
                        f"FROM \"score\" WHERE {one} GROUP BY time($__interval) fill(none)")],
        custom={"scaleDistribution": {"type": "log", "log": 10}},
        options={"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "multi", "sort": "none"}}), 12, 6))
    panels.append(lay.place(panel(
        "timeseries", "Temperature rate", [
            target("A", f"SELECT mean(\"temp_rate_c_per_h\") FROM \"score\" WHERE {one} "
                        "GROUP BY time($__interval) fill(none)", alias="°C per hour")],
        unit="none", description="Rate of change of the temperature; the heater rules fire beyond ±2 °C/h.",
        thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 2}],
        custom={"thresholdsStyle": {"mode": "line+area"}},
        options={"legend": {"showLegend": False, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "single", "sort": "none"}}), 12, 6))
    panels.append(lay.row("Alerts, pump and events"))
    panels.append(lay.place(panel(
        "table", "Alert log", [
            target("A", f"SELECT \"key\", \"severity\", \"state\", \"summary\", \"value\" FROM \"alert\" "
                        f"WHERE {one} ORDER BY time DESC", "table")],
        options={"showHeader": True, "cellHeight": "sm"},
        overrides=[by_name("state", custom__cellOptions={"type": "color-text"}, mappings=[
            {"type": "value", "options": {"firing": {"color": "red", "index": 0},
                                          "resolved": {"color": "green", "index": 1}}}])]), 24, 7))
    panels.append(lay.place(panel(
        "state-timeline", "Pump", [
            target("A", f"SELECT last(\"pump\") FROM \"water\" WHERE {one} GROUP BY time($__interval) "
                        "fill(previous)", alias="pump")],
        mappings=[{"type": "value", "options": {"0": {"text": "off", "color": "red", "index": 0},
                                                "1": {"text": "on", "color": "green", "index": 1}}}],
        options={"showValue": "never", "mergeValues": True, "rowHeight": 0.9,
                 "legend": {"showLegend": False, "displayMode": "list", "placement": "bottom"}}), 12, 5))
    panels.append(lay.place(panel(
        "table", "Device events", [
            target("A", f"SELECT \"kind\", \"detail\", \"device\" FROM \"event\" WHERE {one} ORDER BY time DESC",
                   "table")],
        options={"showHeader": True, "cellHeight": "sm"}), 12, 5))
    panels.append(lay.row("Device health"))
    dev = f"FROM \"device\" WHERE {one} GROUP BY time($__interval), \"device\" fill(none)"
    panels.append(lay.place(panel(
        "state-timeline", "Online", [target("A", f"SELECT last(\"online\") {dev}", alias="$tag_device")],
        mappings=[{"type": "value", "options": {"true": {"text": "online", "color": "green", "index": 0},
                                                "false": {"text": "offline", "color": "red", "index": 1}}}],
        options={"showValue": "never", "mergeValues": True, "rowHeight": 0.9,
                 "legend": {"showLegend": False, "displayMode": "list", "placement": "bottom"}}), 6, 6))
    panels.append(lay.place(panel(
        "timeseries", "Wi-Fi signal", [target("A", f"SELECT mean(\"rssi\") {dev}", alias="$tag_device")],
        unit="dBm"), 6, 6))
    panels.append(lay.place(panel(
        "timeseries", "Free memory and backlog", [
            target("A", f"SELECT mean(\"mem_free\") {dev}", alias="free memory $tag_device"),
            target("B", f"SELECT max(\"backlog\") {dev}", alias="backlog $tag_device")],
        overrides=[by_name("free memory $tag_device", unit="bytes")]), 6, 6))
    panels.append(lay.place(panel(
        "timeseries", "Readings missing per day", [
            target("A", f"SELECT last(\"readings_missing\") FROM \"summary\" WHERE {one} "
                        "GROUP BY time(1d) fill(none)", alias="missing")],
        description="Readings that never reached the database, from the jumps in each device's seq "
                    "(written with the daily summary, so they hold under shared subscriptions too).",
        custom={"drawStyle": "bars", "fillOpacity": 80}), 6, 6))
    panels.append(lay.row("Forecast: slow drift and days until a limit"))
    panels.append(lay.place(panel(
        "table", "Forecast per sensor", [
            target("A", "SELECT last(\"rate_per_day\") AS \"rate per day\", last(\"days_to_limit\") AS "
                        "\"days to limit\", last(\"low\") AS \"days (low)\", last(\"high\") AS \"days (high)\" "
                        f"FROM \"forecast\" WHERE {one} GROUP BY \"sensor\"", "table")],
        description="Local linear trend of the daily means; the interval is the forecast's confidence "
                    "interval of the crossing time.",
        options={"showHeader": True, "cellHeight": "sm"}), 12, 7))
    panels.append(lay.place(panel(
        "timeseries", "Days until a limit", [
            target("A", f"SELECT mean(\"days_to_limit\") FROM \"forecast\" WHERE {one} "
                        "GROUP BY time($__interval), \"sensor\" fill(none)", alias="$tag_sensor")],
        unit="d"), 12, 7))
    return dashboard("aquamon-tank", "aquamon: tank", panels, variables, [alert_ann, event_ann],
                     description="One tank: sensors with their band, drift scores against the threshold, "
                                 "alerts, pump, events, device health and forecast.")


# --------------------------------------------------------------------------- gateway


def gateway() -> dict[str, Any]:
    lay = Layout()
    variables = [query_var("instance", "Gateway", "SHOW TAG VALUES FROM \"gateway\" WITH KEY = \"instance\"",
                           multi=True)]
    sel = "\"instance\" =~ /^$instance$/ AND $timeFilter"
    # Derivatives of the raw counters (written every stats_interval_s, 10 s by
    # default): exact across gateway restarts, and ~2,000 points per 6 h.
    rate = "GROUP BY \"instance\""
    panels = [
        lay.place(panel("stat", title, [target("A", f"SELECT last(\"{field}\") FROM \"gateway\" WHERE {sel} "
                                                    "GROUP BY \"instance\"", alias="$tag_instance")],
                        options={"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": colour},
                        thresholds=[{"color": "green", "value": None}] +
                        ([{"color": "red", "value": 1}] if colour == "background" else [])), 4, 4)
        for field, title, colour in (("received", "Messages received", "none"), ("written", "Points written", "none"),
                                     ("rejected", "Messages rejected", "background"),
                                     ("seq_gaps", "Sequence gaps", "background"),
                                     ("write_retries", "Write retries", "background"),
                                     ("dropped_by_server", "Dropped by the broker", "background"))
    ]
    panels.append(lay.place(panel(
        "timeseries", "Throughput (per minute)", [
            target("A", f"SELECT non_negative_derivative(\"received\", 1m) FROM \"gateway\" WHERE {sel} {rate}",
                   alias="received $tag_instance"),
            target("B", f"SELECT non_negative_derivative(\"written\", 1m) FROM \"gateway\" WHERE {sel} {rate}",
                   alias="written $tag_instance")],
        description="Counters are totals since the gateway started; the derivative ignores restarts."), 12, 8))
    panels.append(lay.place(panel(
        "timeseries", "Problems (per minute)", [
            target("A", "SELECT non_negative_derivative(\"rejected\", 1m) AS \"rejected\", "
                        "non_negative_derivative(\"values_rejected\", 1m) AS \"values rejected\", "
                        "non_negative_derivative(\"seq_gaps\", 1m) AS \"sequence gaps\", "
                        "non_negative_derivative(\"write_retries\", 1m) AS \"write retries\" "
                        f"FROM \"gateway\" WHERE {sel} {rate}")]), 12, 8))
    panels.append(lay.place(panel(
        "timeseries", "Mean InfluxDB write time", [
            target("A", "SELECT non_negative_derivative(\"write_ms_total\") / "
                        "non_negative_derivative(\"write_requests\") "
                        f"FROM \"gateway\" WHERE {sel} {rate}", alias="$tag_instance")],
        unit="ms"), 24, 7))
    return dashboard("aquamon-gateway", "aquamon: gateway", panels, variables, time_from="now-6h",
                     description="The MQTT → InfluxDB gateway's counters, per instance.")


DASHBOARDS = {"fleet.json": fleet, "tank.json": tank, "gateway.json": gateway}


def render() -> dict[str, str]:
    """File name → JSON text of every dashboard, exactly as committed."""
    return {name: json.dumps(build(), indent=2, ensure_ascii=False) + "\n" for name, build in DASHBOARDS.items()}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
