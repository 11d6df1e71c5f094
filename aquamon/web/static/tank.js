// The tank page, live: readings, pump state and alerts from server-sent events; buttons that
// answer in place; charts with uPlot.  Without this script the page still works (forms post).
"use strict";
(function () {
  var cfg = JSON.parse(document.getElementById("tank-config").textContent);
  var csrf = document.querySelector("meta[name=csrf]").content;
  var DIGITS = {temp_c: 2, ph: 2, tds_ppm: 0, turb_ntu: 2, level_cm: 1, flow_lpm: 1};
  var fmtTime = function (ms) {
    return new Date(Number(ms)).toLocaleString([], {weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  };
  var fmt = function (v, k) { return v === null || v === undefined ? "–" : Number(v).toFixed(DIGITS[k] === undefined ? 2 : DIGITS[k]); };
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function flash(text, bad) {
    var f = document.getElementById("flash");
    f.textContent = text; f.hidden = false; f.classList.toggle("bad", !!bad);
  }
  document.querySelectorAll("time[data-ts]").forEach(function (t) { t.textContent = fmtTime(t.dataset.ts); });

  // ---- live readings
  function showReading(d) {
    if (!d || !d.ts) return;
    var hour = Math.floor((d.ts / 3600000 + cfg.offset_min / 60)) % 24;
    document.getElementById("reading-time").textContent = fmtTime(d.ts) + " · " + d.device;
    document.querySelectorAll(".card[data-sensor]").forEach(function (card) {
      var k = card.dataset.sensor, v = (d.r || {})[k], u = cfg.usual[k];
      card.querySelector(".v").textContent = fmt(v, k);
      var m = u && u.mean[hour], s = u && u.std[hour];
      card.querySelector(".u").textContent = (m === null || m === undefined) ? "–" : fmt(m, k) + " ± " + fmt(s, k);
      card.classList.toggle("off", v !== undefined && m !== null && m !== undefined && s !== null && Math.abs(v - m) > 3 * Math.max(s, 1e-6));
      card.classList.add("fresh");
      setTimeout(function () { card.classList.remove("fresh"); }, 800);
    });
    var dev = document.querySelector('.device[data-device="' + d.device + '"] .pump');
    if (dev && d.pump !== null && d.pump !== undefined) dev.textContent = d.pump ? "running" : "stopped";
  }
  function showStatus(d) {
    var box = document.querySelector('.device[data-device="' + d.device + '"]');
    if (!box) { if (!document.querySelector(".device")) location.reload(); return; }
    box.querySelector(".online").textContent = d.online ? "online" : "OFFLINE";
    box.querySelector(".mode").textContent = d.mode || "?";
    box.querySelector(".lockout").hidden = !d.lockout;
    var sel = box.querySelector("select[name=mode]");
    if (sel && d.mode && d.mode !== "feed") sel.value = d.mode;
  }
  function alertForm(key, action, label, extra, disabled) {
    var f = el("form", {method: "post", action: "/tank/" + cfg.tank + "/alerts", "class": "act"});
    f.appendChild(el("input", {type: "hidden", name: "csrf", value: csrf}));
    f.appendChild(el("input", {type: "hidden", name: "key", value: key}));
    if (extra) f.appendChild(el("input", {type: "hidden", name: "minutes", value: extra}));
    var b = el("button", {name: "action", value: action}, label);
    if (disabled) b.disabled = true;
    f.appendChild(b);
    f.addEventListener("submit", submitAct);
    return f;
  }
  function showAlerts(list, status) {
    var ul = document.getElementById("alerts");
    ul.textContent = "";
    if (!list.length) ul.appendChild(el("li", {"class": "none"}, "No alert is firing."));
    list.forEach(function (a) {
      var li = el("li", {"class": "alert " + a.severity, "data-key": a.key});
      li.appendChild(el("strong", {}, a.heading));
      var ack = el("span", {"class": "acked"}, "acknowledged by " + a.acked_by);
      ack.hidden = !a.acked_by;
      li.appendChild(ack);
      li.appendChild(el("p", {}, a.summary || ""));
      if (cfg.can_act) {
        var bs = el("div", {"class": "buttons"});
        bs.appendChild(alertForm(a.key, "ack", "Acknowledge", null, !!a.acked_by));
        bs.appendChild(alertForm(a.key, "silence", "Silence 2 h", "120"));
        li.appendChild(bs);
      }
      ul.appendChild(li);
    });
    if (status) {
      var dot = document.getElementById("tank-status");
      dot.className = "dot " + status; dot.title = status;
    }
  }

  if (window.EventSource) {
    var es = new EventSource("/tank/" + encodeURIComponent(cfg.tank) + "/events");
    es.addEventListener("snapshot", function (e) {
      var d = JSON.parse(e.data);
      d.readings.sort(function (a, b) { return a.ts - b.ts; }).forEach(showReading);
      d.devices.forEach(showStatus);
      showAlerts(d.alerts, d.status);
    });
    es.addEventListener("reading", function (e) { showReading(JSON.parse(e.data)); });
    es.addEventListener("status", function (e) { showStatus(JSON.parse(e.data)); });
    es.addEventListener("alert", function (e) { var d = JSON.parse(e.data); showAlerts(d.alerts, d.status); });
    es.addEventListener("summary", function (e) {
      var s = document.getElementById("summary"); if (s) s.textContent = JSON.parse(e.data).text;
    });
  }

  // ---- buttons: post in place, show the answer
  function submitAct(ev) {
    ev.preventDefault();
    var form = ev.target, data = new FormData(form);
    if (ev.submitter && ev.submitter.name) data.set(ev.submitter.name, ev.submitter.value);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    flash("Sending…");
    fetch(form.getAttribute("action"), {method: "POST", body: data, credentials: "same-origin",
                        headers: {"Accept": "application/json", "X-CSRF-Token": csrf}})
      .then(function (r) { return r.json().then(function (j) { return [r, j]; }); })
      .then(function (rj) {
        var j = rj[1];
        flash(j.message, !j.ok);
        if (j.alerts) showAlerts(j.alerts);
      })
      .catch(function () { flash("No answer from the server: check the connection and try again.", true); })
      .finally(function () { buttons.forEach(function (b) { if (!b.closest(".alert")) b.disabled = false; }); });
  }
  document.querySelectorAll("form.act").forEach(function (f) { f.addEventListener("submit", submitAct); });

  // ---- charts
  var LABELS = {temp_c: ["Temperature", "°C"], ph: ["pH", ""], tds_ppm: ["TDS", "ppm"], turb_ntu: ["Turbidity", "NTU"],
                level_cm: ["Water level", "cm"], flow_lpm: ["Filter flow", "l/min"]};
  var TITLES = cfg.titles || {};
  var SEV = {critical: "rgba(198,40,40,", warning: "rgba(230,120,0,", info: "rgba(21,101,192,"};
  var LABEL_PX = 11, ROW_PX = LABEL_PX + 7, MAX_ROWS = 5, AXIS_PX = 56;
  // The row of each alert's name in the lane above the plot (CSS px): a name starts at its span's start,
  // or ends at the plot's end; names that would run together take the next row.
  function laneRows(spans, x0, x1, plotW) {
    var c = document.createElement("canvas").getContext("2d"), ends = [];
    c.font = LABEL_PX + "px system-ui,sans-serif";
    return spans.map(function (s) {
      var a = Math.max(s.start / 1000, x0), b = Math.min(s.end / 1000, x1);
      if (b <= a) return -1;
      var pa = (a - x0) / (x1 - x0) * plotW, pb = Math.max((b - x0) / (x1 - x0) * plotW, pa + 2);
      var w = c.measureText(s.title).width + 6, tx = pa + w > plotW ? Math.max(0, plotW - w) : pa, row = 0;
      while (ends[row] !== undefined && ends[row] > tx) row++;
      ends[row] = Math.max(pb, tx + w);
      s.row = row;
      return row;
    });
  }
  function bands(series, lanePx) {
    return function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, off = series.offset_s, px = devicePixelRatio;
      var x0 = u.scales.x.min, x1 = u.scales.x.max;
      ctx.save();
      ctx.fillStyle = "rgba(120,130,150,0.14)";
      // lights off 20:00-08:00 (local): one band per night in view
      var day = 86400, start = Math.floor((x0 + off) / day) * day - off;
      for (var d = start - day; d < x1; d += day) {
        var a = Math.max(d + 20 * 3600, x0), b = Math.min(d + 32 * 3600, x1);
        if (b > a) { var pa = u.valToPos(a, "x", true), pb = u.valToPos(b, "x", true); ctx.fillRect(pa, top, pb - pa, h); }
      }
      // alert spans: shaded on the plot; a coloured bar with the alert's name in the lane above it, so the
      // names never cover the readings
      var fs = Math.round(LABEL_PX * px), laneTop = top - lanePx * px;
      ctx.font = fs + "px system-ui,sans-serif";
      ctx.textBaseline = "top";
      series.spans.forEach(function (s) {
        var a = Math.max(s.start / 1000, x0), b = Math.min(s.end / 1000, x1);
        if (b <= a) return;
        var pa = u.valToPos(a, "x", true), pb = Math.max(u.valToPos(b, "x", true), pa + 2);
        var c = SEV[s.severity] || "rgba(120,120,120,";
        ctx.fillStyle = c + "0.12)"; ctx.fillRect(pa, top, pb - pa, h);
        if (s.row < 0 || s.row >= MAX_ROWS) return;  // more overlapping alerts keep their shading; the list above names them
        var y = laneTop + (2 + s.row * ROW_PX) * px;
        ctx.fillStyle = c + "0.9)"; ctx.fillRect(pa, y, pb - pa, 3 * px);
        var w = ctx.measureText(s.title).width + 6 * px, right = u.bbox.left + u.bbox.width;
        var tx = pa + w > right ? Math.max(u.bbox.left, right - w) : pa;  // near the end: the name ends there
        ctx.fillStyle = c + "1)"; ctx.fillText(s.title, tx + 2 * px, y + 4 * px);
      });
      ctx.restore();
    };
  }
  function draw(rng) {
    var box = document.getElementById("charts");
    document.querySelectorAll("#ranges a[data-range]").forEach(function (a) { a.classList.toggle("on", a.dataset.range === rng); });
    fetch("/tank/" + encodeURIComponent(cfg.tank) + "/series.json?range=" + rng, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        box.textContent = "";
        if (s.error) { box.appendChild(el("p", {"class": "msg bad"}, s.error)); return; }
        if (!s.t.length) { box.appendChild(el("p", {"class": "meta"}, "No readings in this range yet.")); return; }
        s.spans.forEach(function (sp) { sp.title = TITLES[sp.key] || sp.key.replace(/_/g, " "); });
        var width = Math.min(box.clientWidth, 1100);
        var dark = matchMedia("(prefers-color-scheme: dark)").matches, axis = dark ? "#c8ced4" : "#333", grid = dark ? "#2c333b" : "#e3e6ea";
        var rows = laneRows(s.spans, s.start, s.end, width - AXIS_PX - 8);
        var lanePx = Math.min(Math.max.apply(null, rows.concat([-1])) + 1, MAX_ROWS) * ROW_PX;
        Object.keys(s.sensors).forEach(function (k) {
          var wrap = el("div", {"class": "chart"});
          var lab = LABELS[k] || [k, ""];
          wrap.appendChild(el("h3", {}, lab[0] + (lab[1] ? " (" + lab[1] + ")" : "")));
          box.appendChild(wrap);
          new uPlot({
            width: width, height: (width < 500 ? 170 : 200) + lanePx, padding: [lanePx + 8, 8, 0, 0],
            legend: {show: true}, cursor: {drag: {x: true, y: false}},
            scales: {x: {time: true, range: function () { return [s.start, s.end]; }}},
            axes: [{stroke: axis, grid: {stroke: grid}, font: "12px system-ui"}, {stroke: axis, grid: {stroke: grid}, size: AXIS_PX, font: "12px system-ui"}],
            series: [{}, {label: lab[0], stroke: dark ? "#6fb3ff" : "#1f3b73", width: 1.5,
                          value: function (u, v) { return v === null ? "–" : fmt(v, k) + " " + lab[1]; }}],
            hooks: {drawClear: [bands(s, lanePx + 8)]}
          }, [s.t, s.sensors[k]], wrap);
        });
      })
      .catch(function () { box.textContent = "The charts could not be loaded."; });
  }
  var start = new URLSearchParams(location.search).get("range") || "1d";
  document.querySelectorAll("#ranges a[data-range]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); draw(a.dataset.range); });
  });
  if (window.uPlot) draw(start); else window.addEventListener("load", function () { draw(start); });
})();
