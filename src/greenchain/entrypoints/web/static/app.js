// Greenchain pages: charts and small progressive enhancements.
//
// Chart data comes from the page's <script type="application/json" id="chart-data"> block:
// {"charts": [{"canvas": "<canvas id>", "kind": "stacked-bar" | "pareto" | "doughnut",
//              "labels": [...], ...}]}. No inline script runs (Content Security Policy).
(function () {
  "use strict";

  const PALETTE = [
    "#1d6b45", "#f0a500", "#4f9d69", "#3a6ea5", "#d96c06", "#8cc084", "#7a4eab", "#9c2f2f",
    "#5b6b62", "#2a9d8f", "#e9c46a", "#344e41", "#b56576", "#a3b18a", "#264653", "#c9e4b4",
  ];
  const METHOD_COLOURS = {
    "Product footprints": "#1d6b45",
    "Supplier-specific": "#4f9d69",
    "Average data": "#f0a500",
    "Spend-based": "#8a978f",
  };
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

  window.greenchainCharts = [];

  function colour(label, index) {
    return METHOD_COLOURS[label] || PALETTE[index % PALETTE.length];
  }

  function shorten(text, size) {
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  function stackedBar(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: colour(d.label, i), stack: "total", skipNull: true, maxBarThickness: 120 };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: spec.unit } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } },
          tooltip: {
            filter: function (item) { return item.raw !== null && item.raw !== undefined; },
            callbacks: { label: function (c) { return c.dataset.label + ": " + number.format(c.parsed.y) + " " + spec.unit; } },
          },
        },
      },
    };
  }

  function pareto(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels.map(function (l) { return shorten(l, 22); }),
        datasets: [
          { type: "bar", label: spec.unit, data: spec.values, backgroundColor: "#4f9d69", yAxisID: "y", order: 2 },
          {
            type: "line", label: "Cumulative share of Scope 3", data: spec.cumulative,
            borderColor: "#d96c06", backgroundColor: "#d96c06", yAxisID: "share", order: 1, pointRadius: 2, tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { autoSkip: false, maxRotation: 60, minRotation: 40, font: { size: 10 } } },
          y: { beginAtZero: true, title: { display: true, text: spec.unit } },
          share: {
            position: "right", min: 0, max: 1, grid: { drawOnChartArea: false },
            ticks: { callback: function (v) { return percent.format(v); } },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) {
                const i = items[0].dataIndex;
                return spec.labels[i] + " (" + spec.ids[i] + ")";
              },
              label: function (c) {
                return c.dataset.yAxisID === "share"
                  ? "Cumulative: " + percent.format(c.parsed.y)
                  : number.format(c.parsed.y) + " " + spec.unit;
              },
            },
          },
        },
      },
    };
  }

  function doughnut(spec) {
    const total = spec.values.reduce(function (a, b) { return a + b; }, 0) || 1;
    return {
      type: "doughnut",
      data: {
        labels: spec.labels,
        datasets: [{ data: spec.values, backgroundColor: spec.labels.map(colour) }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (c) {
                return c.label + ": " + number.format(c.parsed) + " " + spec.unit + " (" + percent.format(c.parsed / total) + ")";
              },
            },
          },
        },
      },
    };
  }

  const BUILDERS = { "stacked-bar": stackedBar, pareto: pareto, doughnut: doughnut };

  function drawCharts() {
    const node = document.getElementById("chart-data");
    if (!node || typeof window.Chart === "undefined") { return; }
    const data = JSON.parse(node.textContent);
    (data.charts || []).forEach(function (spec) {
      const canvas = document.getElementById(spec.canvas);
      const build = BUILDERS[spec.kind];
      if (canvas && build) {
        window.greenchainCharts.push(new window.Chart(canvas, build(spec)));
      }
    });
  }

  function autoSubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) { select.form.requestSubmit(); }
      });
    });
  }

  // A form that cannot be undone asks first: <form data-confirm="Withdraw target X?">.
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  // A refused form comes back with what it held (<script type="application/json"
  // id="submitted-form"> {"action": path, "fields": {name: [values]}}): put it back in the
  // form posted to that path whose fields match best, so nothing typed is lost.
  function refill() {
    const block = document.getElementById("submitted-form");
    if (!block) { return; }
    const sent = JSON.parse(block.textContent);
    const names = Object.keys(sent.fields);
    let best = null;
    let bestScore = 0;
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
      if (new URL(form.action, window.location.href).pathname !== sent.action) { return; }
      const score = names.filter(function (n) { return form.elements.namedItem(n); }).length;
      if (score > bestScore) { best = form; bestScore = score; }
    });
    if (!best) { return; }
    const folded = best.closest("details");  // a form folded away is opened again
    if (folded) { folded.open = true; }
    Array.prototype.forEach.call(best.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "password" || el.type === "file"
          || el.type === "submit" || el.type === "button") { return; }
      const values = sent.fields[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else if (values.length) {
        // several fields of one name take their values in order
        const same = Array.prototype.filter.call(best.elements, function (e) { return e.name === el.name; });
        el.value = values[Math.min(same.indexOf(el), values.length - 1)];
      }
    });
  }

  // A button that sends its form by GET (a preview in a new tab) must not put the form's
  // CSRF token in the address (history, logs, referrers): the token field sits out that
  // submission.
  function tokenOutOfAddresses() {
    document.addEventListener("submit", function (event) {
      const by = event.submitter;
      if (!by || (by.getAttribute("formmethod") || "").toLowerCase() !== "get") { return; }
      const token = event.target.querySelector("input[name=csrf_token]");
      if (!token) { return; }
      token.disabled = true;
      window.setTimeout(function () { token.disabled = false; }, 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tokenOutOfAddresses();
    refill();
    autoSubmit();
    confirmations();
    drawCharts();
  });
})();
