/* Bulk listing progress: polls the import's JSON endpoint until the import finishes,
   then reloads the page to show the report. No inline script (CSP). */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var delay = 1000;

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) {
      el.textContent = value;
    }
  }

  function render(data) {
    setText("import-status", data.status_display);
    setText("import-processed", data.processed);
    setText("import-total", data.total);
    setText("import-ok", data.ok);
    setText("import-failed", data.failed);
    var bar = document.getElementById("import-bar");
    if (bar) {
      bar.style.width = data.percent + "%";
      bar.setAttribute("aria-valuenow", data.percent);
      bar.textContent = data.percent + "%";
    }
    if (data.error) {
      var err = document.getElementById("import-error");
      if (err) {
        err.textContent = data.error;
        err.classList.remove("d-none");
      }
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (data.finished) {
          box.setAttribute("data-finished", "1");
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
