// Times in the viewer's own time zone, short: "Tue 14:05".
"use strict";
window.aquamonTime = function (ms) {
  return new Date(Number(ms)).toLocaleString([], {weekday: "short", hour: "2-digit", minute: "2-digit"});
};
document.querySelectorAll("time[data-ts]").forEach(function (el) { el.textContent = aquamonTime(el.dataset.ts); });
