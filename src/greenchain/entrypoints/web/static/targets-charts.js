// Greenchain targets page: line and waterfall charts from #targets-chart-data.
(function () {
  "use strict";
  const COLOURS = ["#1d6b45", "#f0a500", "#3a6ea5", "#d96c06", "#7a4eab", "#9c2f2f",
    "#2a9d8f", "#5b6b62", "#b56576", "#264653"];
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function label(unit) {
    return function (c) {
      const y = Array.isArray(c.raw) ? c.raw[1] - c.raw[0] : c.parsed.y;
      return c.dataset.label + ": " + (y === null ? "–" : number.format(y)) + " " + unit;
    };
  }

  function line(spec) {
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          const c = COLOURS[i % COLOURS.length];
          return {
            label: d.label, data: d.data, borderColor: c, backgroundColor: c, tension: 0,
            borderDash: d.dashed ? [6, 4] : [], pointRadius: d.dashed ? 0 : 3, spanGaps: false,
          };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.unit } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: label(spec.unit) } },
        },
      },
    };
  }

  function waterfall(spec) {
    const colours = spec.labels.map(function (_, i) {
      return spec.totals.indexOf(i) >= 0 ? "#1d6b45" : "#f0a500";
    });
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: spec.unit, data: spec.bars, backgroundColor: colours }],
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: spec.unit } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (c) {
                return number.format(spec.values[c.dataIndex]) + " " + spec.unit;
              },
            },
          },
        },
      },
    };
  }

  const BUILDERS = { line: line, waterfall: waterfall };

  document.addEventListener("DOMContentLoaded", function () {
    const node = document.getElementById("targets-chart-data");
    if (!node || typeof window.Chart === "undefined") { return; }
    window.greenchainCharts = window.greenchainCharts || [];
    (JSON.parse(node.textContent).charts || []).forEach(function (spec) {
      const canvas = document.getElementById(spec.canvas);
      const build = BUILDERS[spec.kind];
      if (canvas && build) { window.greenchainCharts.push(new window.Chart(canvas, build(spec))); }
    });
  });
})();
