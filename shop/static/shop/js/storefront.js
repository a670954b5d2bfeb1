/* 湘慧商城 storefront: variant selection and the product gallery. No inline scripts (CSP). */
(function () {
  "use strict";

  function onVariantChange(event) {
    var input = event.target;
    if (!input.matches('.xh-variants input[type="radio"]')) {
      return;
    }
    var box = document.getElementById("xh-product-price");
    var price = input.getAttribute("data-price");
    if (box && price) {
      var amount = box.querySelector(".xh-price");
      var from = box.querySelector(".xh-from");
      if (amount) {
        amount.textContent = price;
      }
      if (from) {
        from.hidden = true;
      }
    }
    document.querySelectorAll(".xh-variants .xh-variant").forEach(function (label) {
      label.classList.toggle("is-selected", label.contains(input));
    });
    var submit = document.querySelector("#add_to_basket_form button[type=submit]");
    if (submit) {
      submit.disabled = input.hasAttribute("data-unavailable");
    }
  }

  function onThumbClick(event) {
    var thumb = event.target.closest(".xh-thumb");
    var main = document.getElementById("xh-gallery-main");
    if (thumb && main) {
      main.src = thumb.getAttribute("data-src");
    }
  }

  document.addEventListener("change", onVariantChange);
  document.addEventListener("click", onThumbClick);
  document.addEventListener("DOMContentLoaded", function () {
    var checked = document.querySelector('.xh-variants input[type="radio"]:checked');
    if (checked) {
      checked.closest(".xh-variant").classList.add("is-selected");
    }
  });
})();
