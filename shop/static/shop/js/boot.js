/* Page set-up without inline scripts (CSP): what Oscar's templates did in "onbodyload". */
(function () {
  "use strict";

  function lookup(path) {
    return path.split(".").reduce(function (obj, key) {
      return obj && obj[key];
    }, window);
  }

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  ready(function () {
    document.documentElement.classList.remove("no-js");
    var oscar = window.oscar;
    if (!oscar) {
      return;
    }
    if (oscar.dashboard && oscar.dashboard.init) {
      oscar.dashboard.init({ languageCode: document.documentElement.lang || "zh-hans" });
    } else if (oscar.init) {
      oscar.init();
    }
    var basketForm = document.getElementById("basket_formset");
    if (basketForm && oscar.basket && oscar.basket.init) {
      oscar.basket.init({ basketURL: basketForm.getAttribute("action") || window.location.pathname });
    }
    var extra = (document.body.getAttribute("data-oscar-init") || "").split(/\s+/);
    extra.forEach(function (path) {
      var module = path && lookup(path);
      if (module && typeof module.init === "function") {
        module.init();
      }
    });
  });
})();
