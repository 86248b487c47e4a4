// The overview's chart: volumes per day and asset (data from #volumes-data, Chart.js).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("volumes-data");
    var canvas = document.getElementById("volumes-chart");
    if (!source || !canvas || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var palette = ["#0b5fff", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#495057"];
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d, i) {
          return { label: d.label, data: d.data.map(Number), backgroundColor: palette[i % palette.length] };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: false }, y: { beginAtZero: true } },
        plugins: { tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ": " + data.datasets[c.datasetIndex].data[c.dataIndex];
        } } } },
      },
    });
  });
})();
