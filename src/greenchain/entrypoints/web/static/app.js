// Dashboard charts: the data comes from the <script type="application/json" id="chart-data">.
(function () {
  "use strict";
  const palette = ["#1d6b45", "#4f9d69", "#8cc084", "#c9e4b4", "#f0a500", "#d96c06", "#7a4eab",
    "#3a6ea5", "#9c2f2f", "#5b6b62", "#a3b18a", "#588157", "#344e41", "#dad7cd", "#e9c46a"];
  window.greenchainCharts = [];

  function draw() {
    const node = document.getElementById("chart-data");
    if (!node || typeof Chart === "undefined") { return; }
    const data = JSON.parse(node.textContent);
    const tonnes = (v) => v.toLocaleString(undefined, { maximumFractionDigits: 0 });

    const scopesCanvas = document.getElementById("chart-scopes");
    if (scopesCanvas) {
      const datasets = [
        { label: "Scope 1", data: [data.scopes.values[0], 0], backgroundColor: palette[0], stack: "s" },
        { label: "Scope 2 (market)", data: [data.scopes.values[1], 0], backgroundColor: palette[4], stack: "s" },
      ];
      data.categories.labels.forEach(function (label, i) {
        datasets.push({ label: label, data: [0, data.categories.values[i]], backgroundColor: palette[(i + 1) % palette.length], stack: "s" });
      });
      window.greenchainCharts.push(new Chart(scopesCanvas, {
        type: "bar",
        data: { labels: ["Scopes 1 and 2", "Scope 3 by category"], datasets: datasets },
        options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "t CO2e" } } },
          plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ": " + tonnes(c.parsed.y) + " t" } } } },
      }));
    }
    const paretoCanvas = document.getElementById("chart-pareto");
    if (paretoCanvas) {
      window.greenchainCharts.push(new Chart(paretoCanvas, {
        type: "bar",
        data: {
          labels: data.pareto.labels,
          datasets: [
            { type: "bar", label: "t CO2e", data: data.pareto.values, backgroundColor: palette[1], yAxisID: "y" },
            { type: "line", label: "Cumulative share of Scope 3", data: data.pareto.cumulative, borderColor: palette[5], yAxisID: "share" },
          ],
        },
        options: { responsive: true, scales: { y: { title: { display: true, text: "t CO2e" } },
          share: { position: "right", min: 0, max: 1, ticks: { callback: (v) => Math.round(v * 100) + "%" } } } },
      }));
    }
    const methodsCanvas = document.getElementById("chart-methods");
    if (methodsCanvas) {
      window.greenchainCharts.push(new Chart(methodsCanvas, {
        type: "doughnut",
        data: { labels: data.methods.labels, datasets: [{ data: data.methods.values, backgroundColor: [palette[0], palette[1], palette[4], palette[9]] }] },
        options: { responsive: true },
      }));
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
