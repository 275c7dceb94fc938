/* Draws the dashboard charts with the vendored Chart.js from the JSON the page embeds (#dashboard-data).
   Without JavaScript the tables under each chart show the same figures. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#0b5cab", "#a86200", "#17794a", "#b3261e", "#6a3fa0", "#00838f"];
  var common = {
    responsive: true,
    animation: false,
    plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
  };

  // A figure over too few households comes as null: no bar, no point, never a number (not even 0).
  function numbers(list) {
    return (list || []).map(function (value) { return typeof value === "number" && isFinite(value) ? value : null; });
  }
  function tooltip(context) {
    return context.raw === null ? data.suppressed_text : context.formattedValue;
  }
  common.plugins.tooltip = { callbacks: { label: tooltip } };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new window.Chart(canvas, config); }
  }

  function series(list) {
    return list.map(function (item, i) {
      return {
        label: item.label, data: numbers(item.counts), borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], tension: 0.2, fill: false, spanGaps: false
      };
    });
  }

  draw("chart-status", {
    type: "bar",
    data: { labels: data.status.labels, datasets: [{ label: data.status.label, data: numbers(data.status.counts), backgroundColor: palette[0] }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } } })
  });
  draw("chart-arrears", {
    type: "bar",
    data: { labels: data.arrears.labels, datasets: [{ label: data.arrears.label, data: numbers(data.arrears.counts), backgroundColor: palette[1] }] },
    options: Object.assign({}, common, { plugins: { legend: { display: false } } })
  });
  draw("chart-pickup", {
    type: "bar",
    data: { labels: data.pickup.labels, datasets: [{ label: data.pickup.label, data: numbers(data.pickup.days), backgroundColor: palette[2] }] },
    options: { indexAxis: "y", responsive: true, animation: false, plugins: { legend: { display: false } },
               scales: { x: { beginAtZero: true } } }
  });
  draw("chart-escalations", { type: "line", data: { labels: data.months, datasets: series(data.escalations) }, options: common });
  draw("chart-evictions", { type: "line", data: { labels: data.months, datasets: series(data.evictions) }, options: common });
})();
