// OEM order form: show a customisation's detail input only while it is ticked.
(function () {
  "use strict";
  function sync(box) {
    var name = box.getAttribute("data-oem-toggle");
    var wrap = document.querySelector('[data-oem-detail="' + name + '"]');
    if (!wrap) { return; }
    wrap.style.display = box.checked ? "" : "none";
    var input = wrap.querySelector("input, textarea");
    if (input) { input.required = box.checked; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("input[data-oem-toggle]");
    Array.prototype.forEach.call(boxes, function (box) {
      sync(box);
      box.addEventListener("change", function () { sync(box); });
    });
  });
})();
