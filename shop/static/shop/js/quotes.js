/* 询价: confirmations, form hints, variant choice on product pages. No inline scripts (CSP). */
(function () {
    "use strict";
    if (window.__xhQuotesLoaded) { return; }
    window.__xhQuotesLoaded = true;

    function onReady(fn) {
        if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
    }

    onReady(function () {
        // Buttons with data-confirm ask before submitting their form.
        document.addEventListener("click", function (event) {
            var button = event.target.closest("[data-confirm]");
            if (button && !window.confirm(button.getAttribute("data-confirm"))) {
                event.preventDefault();
            }
        });

        // Submit form: explain the chosen procurement method; show 专票 fields only when needed.
        var form = document.getElementById("quote-submit-form");
        if (form) {
            var hints = form.querySelectorAll("[data-method-hint]");
            var special = form.querySelector("[data-special-invoice]");
            var submit = document.getElementById("quote-submit-button");
            var submitLabel = submit ? submit.textContent : "";
            var sync = function () {
                var method = form.querySelector("input[name=procurement_method]:checked");
                hints.forEach(function (hint) {
                    hint.hidden = !method || hint.getAttribute("data-method-hint") !== method.value;
                });
                if (submit) {
                    submit.textContent = method && method.value === "direct" ? submit.getAttribute("data-label-direct") : submitLabel;
                }
                var invoiceType = form.querySelector("[name=invoice_type]");
                if (special && invoiceType) {
                    var value = invoiceType.value || (form.querySelector("input[name=invoice_type]:checked") || {}).value;
                    special.hidden = value !== "special" && !special.querySelector(".is-invalid");
                }
            };
            form.addEventListener("change", sync);
            sync();
        }

        // Product page: the variant picked for the basket is also the one asked for.
        var variantSelect = document.querySelector("[data-quote-variant]");
        if (variantSelect) {
            document.querySelectorAll("input[name=child_id]").forEach(function (radio) {
                radio.addEventListener("change", function () {
                    if (radio.checked) { variantSelect.value = radio.value; }
                });
            });
        }
    });
})();
