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

  // "Cancel"/"back" links (Oscar used onclick="history.go(-1)").
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-history-back]");
    if (link) {
      event.preventDefault();
      window.history.back();
    }
  });

  // Image upload previews (Oscar used onload/onerror attributes); load and error do not
  // bubble, so listen in the capture phase.
  function uploadButton(img) {
    var id = img.getAttribute("data-upload-button");
    return id ? document.getElementById(id) : null;
  }
  document.addEventListener(
    "load",
    function (event) {
      var button = event.target.tagName === "IMG" && uploadButton(event.target);
      if (button) {
        button.style.display = "none";
      }
    },
    true
  );
  document.addEventListener(
    "error",
    function (event) {
      var img = event.target;
      var button = img.tagName === "IMG" && uploadButton(img);
      if (button && img.getAttribute("src")) {
        button.style.display = "";
        window.alert(img.getAttribute("data-upload-error"));
      }
    },
    true
  );

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
    // The e-mail preview of the account pages: render the stored HTML inside its iframe.
    var preview = document.getElementById("preview_box");
    if (preview && preview.contentWindow) {
      var doc = preview.contentWindow.document;
      doc.open();
      doc.write(preview.textContent);
      doc.close();
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
