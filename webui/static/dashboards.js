// Charts of the implementation leads' overview (Chart.js, served by the app) and the print button.
(function () {
  "use strict";
  var COLORS = ["#1f5f8b", "#b5472f", "#2e7d4f"];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function enrolmentCharts() {
    var data = readJson("enrolment-data");
    if (!data || !window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart=enrolment]").forEach(function (canvas) {
      var group = Number(canvas.dataset.group);
      var s = data.series.filter(function (x) { return x.group === group; })[0];
      var sets = [{ label: "Henvist (kumuleret)", data: s.actual, borderColor: COLORS[group - 1],
                    backgroundColor: COLORS[group - 1], spanGaps: false, pointRadius: 1 }];
      if (s.target) {
        sets.push({ label: "Forventet (fuld indfasning 2027)", data: s.target, borderColor: "#777",
                    borderDash: [6, 4], pointRadius: 0 });
      }
      canvas._chart = new Chart(canvas, { type: "line", data: { labels: data.labels, datasets: sets },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true } } } });
    });
  }

  function trendChart() {
    var rows = readJson("trend-data");
    var canvas = document.querySelector("canvas[data-chart=trend]");
    var pick = document.getElementById("trend-pick");
    if (!rows || !canvas || !window.Chart) { return; }
    function draw() {
      var mine = rows.filter(function (r) { return r.key === pick.value; });
      var config = { type: "bar", data: { labels: mine.map(function (r) { return r.month; }),
        datasets: [{ label: pick.options[pick.selectedIndex].text, backgroundColor: COLORS[0],
                     data: mine.map(function (r) { return r.value; }) }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true } } } };
      if (canvas._chart) { canvas._chart.destroy(); }
      canvas._chart = new Chart(canvas, config);
    }
    pick.addEventListener("change", draw);
    draw();
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // For print: open the folded tables and redraw the charts at paper width.
  function forPrint() {
    document.querySelectorAll("details.print-open").forEach(function (d) { d.open = true; });
    document.querySelectorAll("canvas").forEach(function (c) { if (c._chart) { c._chart.resize(); } });
  }
  window.addEventListener("beforeprint", forPrint);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", function (e) { if (e.matches) { forPrint(); } });
  }
  enrolmentCharts();
  trendChart();
})();
