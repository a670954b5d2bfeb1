/* Dashboard behaviour Oscar's templates wrote as inline handlers or scripts (forbidden by the
   CSP) and that boot.js does not cover: "cancel" links of pop-up windows close the window; the
   layout's tab-by-hash. */
(function () {
  "use strict";
  // Oscar's dashboard.js attaches TinyMCE to the text areas of every page; the editor's scripts
  // load only on pages with a rich-text form (templates/oscar/dashboard/layout.html), elsewhere
  // the call does nothing.
  if (window.jQuery && !window.jQuery.fn.tinymce) {
    window.jQuery.fn.tinymce = function () {
      return this;
    };
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
