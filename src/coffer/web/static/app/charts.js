// The wallet app's charts (Chart.js): every <canvas data-chart="ID"> is drawn from the
// JSON in the element #ID ({type, labels, datasets: [{label, data}]}). No inline script.
(function () {
  "use strict";
  var palette = ["#0b5fff", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#495057"];
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { continue; }
      var data = JSON.parse(source.textContent);
      new Chart(canvas, {
        type: data.type,
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (d, n) {
            return { label: d.label, data: d.data, backgroundColor: palette[n % palette.length],
                     borderColor: palette[n % palette.length], fill: false, pointRadius: 0 };
          }),
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { beginAtZero: data.type === "bar" } } },
      });
    }
  });
})();
