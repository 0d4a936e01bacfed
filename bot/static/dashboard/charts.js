/* Draws the dashboard's charts with the vendored Chart.js.
 *
 * Each <canvas data-chart="ID"> is drawn from the JSON in <script type="application/json" id="ID">
 * (data the server rendered with |tojson; that block is never executed, so the page's CSP holds):
 *   {type: "bar"|"line"|"doughnut", title, labels: [...], datasets: [{label, data, scale?}],
 *    stacked?: bool, horizontal?: bool, max?: number, whole?: bool (counts: no ticks between whole numbers)}
 * Labels reach the canvas as text, never as HTML. Every chart has a table beside it with the same figures.
 */
(function () {
  "use strict";

  var PALETTE = ["#0b6e4f", "#2563eb", "#b54708", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a16207", "#475569", "#c2410c"];
  var SCORES = ["#b42318", "#e8590c", "#f2c94c", "#74b816", "#067647"]; // worst to best

  function scoreColour(index, count) {
    if (count <= 1) { return SCORES[SCORES.length - 1]; }
    return SCORES[Math.round(index * (SCORES.length - 1) / (count - 1))];
  }

  function colour(spec, dataset, index) {
    if (dataset.scale) { return scoreColour(index, spec.datasets.length); }
    return PALETTE[index % PALETTE.length];
  }

  function datasets(spec) {
    return spec.datasets.map(function (dataset, index) {
      var fill = spec.type === "doughnut"
        ? spec.labels.map(function (_, n) { return PALETTE[n % PALETTE.length]; })
        : colour(spec, dataset, index);
      return { label: dataset.label, data: dataset.data, backgroundColor: fill, borderColor: fill, borderWidth: spec.type === "line" ? 2 : 0 };
    });
  }

  function axes(spec) {
    if (spec.type === "doughnut") { return {}; }
    var value = { beginAtZero: true, stacked: !!spec.stacked };
    if (spec.max) { value.max = spec.max; }
    if (spec.whole) { value.ticks = { precision: 0 }; }
    var category = { stacked: !!spec.stacked, ticks: { autoSkip: !spec.horizontal } }; // every park's name on a bar chart lying down
    return spec.horizontal ? { x: value, y: category } : { x: category, y: value };
  }

  function config(spec) {
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets(spec) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: axes(spec),
        plugins: {
          title: { display: !!spec.title, text: spec.title },
          legend: { display: spec.type === "doughnut" || spec.datasets.length > 1, position: "bottom" }
        }
      }
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    if (spec.horizontal) {
      canvas.parentNode.style.height = Math.max(160, 90 + 28 * spec.labels.length) + "px";
    }
    new window.Chart(canvas, config(spec));
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
