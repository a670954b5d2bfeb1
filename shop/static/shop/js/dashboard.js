/* Dashboard behaviour Oscar's templates wrote as inline handlers or scripts (forbidden by the
   CSP) and that boot.js does not cover: "cancel" links of pop-up windows close the window; the
   layout's tab-by-hash. */
(function () {
  "use strict";
  // Oscar's dashboard.js calls TinyMCE, the input masks, select2 and jquery-sortable on every
  // page; their scripts load only on pages that use them (templates/oscar/dashboard/layout.html,
  // shop.apps.dashboard.widgets), elsewhere the call does nothing.
  if (window.jQuery) {
    ["tinymce", "inputmask", "select2", "sortable"].forEach(function (plugin) {
      if (!window.jQuery.fn[plugin]) {
        window.jQuery.fn[plugin] = function () {
          return this;
        };
      }
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-close-window]");
    if (link) {
      event.preventDefault();
      window.close();
    }
  });
  // Oscar's dashboard layout (its inline onbodyload): open the tab named in the address's
  // hash, and keep the hash in step with the tab shown, so a reload stays on the same tab.
  if (window.jQuery) {
    window.jQuery(function ($) {
      var hash = window.location.hash;
      if (/^#[\w-]+$/.test(hash)) {
        $('.bs-docs-sidenav a[href="' + hash + '"]').tab("show");
      }
      $(".nav-list a").on("shown.bs.tab", function (event) {
        window.location.hash = event.target.hash;
      });
    });
  }
})();
