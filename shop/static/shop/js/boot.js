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

  // "Cancel"/"back" links (Oscar used onclick="history.go(-1)"), "print" links (onclick="window.print()").
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-history-back]");
    if (link) {
      event.preventDefault();
      window.history.back();
    }
    var print = event.target.closest && event.target.closest("[data-print-page]");
    if (print) {
      event.preventDefault();
      window.print();
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
    // Forms that record something about opening a page (a notification read): GETs change
    // nothing, so the page posts the form in the background once it is shown.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-post-on-load]"), function (form) {
      if (!window.fetch) {
        return;
      }
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        })
        .then(function (response) {
          if (response.ok && form.parentNode) {
            form.parentNode.removeChild(form);
          }
        });
    });
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
    // Page set-up named in the oscar_init block: "a.module" runs its init(), "a.module.fn" runs
    // that function, "modal:#id" opens a Bootstrap modal (Oscar did so when a search form had
    // errors). Options come from <script type="application/json" id="oscar-init-options">
    // ({"a.module": {...}}), for the set-ups Oscar called with arguments.
    var options = {};
    var optionsNode = document.getElementById("oscar-init-options");
    if (optionsNode) {
      try {
        options = JSON.parse(optionsNode.textContent) || {};
      } catch (e) {
        options = {};
      }
    }
    var extra = (document.body.getAttribute("data-oscar-init") || "").split(/\s+/);
    extra.forEach(function (path) {
      if (!path) {
        return;
      }
      if (path.indexOf("modal:") === 0) {
        if (window.jQuery && window.jQuery.fn.modal) {
          window.jQuery(path.slice(6)).modal("show");
        }
        return;
      }
      var target = lookup(path);
      if (typeof target === "function") {
        var owner = lookup(path.split(".").slice(0, -1).join("."));
        target.call(owner, options[path]);
      } else if (target && typeof target.init === "function") {
        target.init(options[path]);
      }
    });
  });
})();
