/* Dashboard behaviour Oscar's templates wrote as inline handlers (forbidden by the CSP) and
   that boot.js does not cover: "cancel" links of pop-up windows close the window. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-close-window]");
    if (link) {
      event.preventDefault();
      window.close();
    }
  });
})();
