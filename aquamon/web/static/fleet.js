// The fleet table: sort by a column, filter as you type, rows kept current from one event stream
// (the server coalesces every tank's changes into one message every few seconds).
"use strict";
(function () {
  var table = document.getElementById("fleet"), body = table.tBodies[0];
  var filter = document.getElementById("filter"), only = document.getElementById("only");
  var RANK = {critical: 0, offline: 1, warning: 2, info: 3, ok: 4};
  var sortKey = null, sortDir = 1;
  var fmt = function (v, d) { return v === null || v === undefined ? "–" : Number(v).toFixed(d); };
  function cell(tr, cls) { return tr.querySelector("td." + cls); }
  function value(tr, key) {
    if (key === "tank") return tr.dataset.tank;
    if (key === "status") return RANK[tr.className] !== undefined ? RANK[tr.className] : 9;
    if (key === "alerts") return -cell(tr, "alerts").textContent.split(",").filter(Boolean).length;
    if (key === "ts") return -Number(cell(tr, "last").dataset.ts || 0);
    return cell(tr, key).textContent;
  }
  function sort() {
    if (!sortKey) return;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, sortKey), y = value(b, sortKey);
      return (x < y ? -1 : x > y ? 1 : 0) * sortDir || (a.dataset.tank < b.dataset.tank ? -1 : 1);
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }
  function apply() {
    var q = filter.value.trim().toLowerCase(), problem = only.value === "problem", shown = 0;
    Array.prototype.forEach.call(body.rows, function (tr) {
      var ok = (!q || tr.textContent.toLowerCase().indexOf(q) >= 0) && (!problem || tr.className !== "ok");
      tr.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("count").textContent = shown + " of " + body.rows.length;
  }
  table.querySelectorAll("th button[data-sort]").forEach(function (b) {
    b.addEventListener("click", function () {
      sortDir = sortKey === b.dataset.sort ? -sortDir : 1;
      sortKey = b.dataset.sort;
      sort();
    });
  });
  filter.addEventListener("input", apply);
  only.addEventListener("change", apply);
  function row(d) {
    var tr = body.querySelector('tr[data-tank="' + CSS.escape(d.tank) + '"]');
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.tank = d.tank;
      ["tank", "status", "alerts", "wide last", "wide forecast"].forEach(function (c) {
        var td = document.createElement("td"); td.className = c; tr.appendChild(td);
      });
      var a = document.createElement("a"); a.href = "/tank/" + encodeURIComponent(d.tank); a.textContent = d.tank;
      tr.cells[0].appendChild(a);
      body.appendChild(tr);
    }
    tr.className = d.status;
    var st = cell(tr, "status"); st.textContent = "";
    var dot = document.createElement("span"); dot.className = "dot " + d.status; st.appendChild(dot);
    st.appendChild(document.createTextNode(d.status));
    cell(tr, "alerts").textContent = d.alerts.join(", ");
    var last = cell(tr, "last");
    last.dataset.ts = d.ts || 0;
    if (d.r && Object.keys(d.r).length) last.textContent = fmt(d.r.temp_c, 2) + " °C · pH " + fmt(d.r.ph, 2);
  }
  if (window.EventSource) {
    var es = new EventSource("/fleet/events?v=" + table.dataset.version);
    es.addEventListener("rows", function (e) {
      JSON.parse(e.data).rows.forEach(row);
      sort(); apply();
    });
  }
  apply();
})();
