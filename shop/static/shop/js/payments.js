/* 湘慧商城 order payment page.
 *
 * - Server-side card form (localstripe, dev/tests): stop double submits.
 * - Stripe.js (production): ask our server for the PaymentIntent of this stage, mount the
 *   Payment Element (card, and Alipay / WeChat Pay when enabled), confirm, and let Stripe
 *   bring the buyer back to our return page, which records the result.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function onceOnly(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        if (button.dataset.busy === "1") {
          return;
        }
        button.dataset.busy = "1";
        window.setTimeout(function () { button.disabled = true; }, 0);
        button.textContent = "正在处理，请稍候…";
      }
    });
  }

  document.querySelectorAll("form.js-card-form, #transfer-form").forEach(onceOnly);

  var stripeForm = document.querySelector("form.js-stripe-form");
  if (!stripeForm) {
    return;
  }
  var errorBox = document.getElementById("stripe-error");
  var submit = document.getElementById("stripe-submit");

  function showError(message) {
    errorBox.textContent = message || "支付未成功，请稍后重试，或改用对公转账。";
    submit.disabled = false;
  }

  if (typeof window.Stripe !== "function") {
    showError("无法加载 Stripe 支付组件，请检查网络后刷新页面，或改用对公转账。");
    submit.disabled = true;
    return;
  }

  var stripe = window.Stripe(stripeForm.dataset.publishableKey, { locale: "zh" });
  var elements = null;
  var returnUrl = "";
  submit.disabled = true;

  var body = new URLSearchParams();
  body.append("token", stripeForm.dataset.token);
  fetch(stripeForm.dataset.intentUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(stripeForm) },
    body: body
  })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (data.error || !data.client_secret) {
        showError(data.error);
        submit.disabled = true;
        return;
      }
      returnUrl = data.return_url;
      elements = stripe.elements({ clientSecret: data.client_secret, locale: "zh" });
      elements.create("payment").mount("#payment-element");
      submit.disabled = false;
    })
    .catch(function () {
      showError("暂时无法连接支付服务，请稍后刷新页面，或改用对公转账。");
      submit.disabled = true;
    });

  stripeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!elements) {
      return;
    }
    submit.disabled = true;
    errorBox.textContent = "";
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: returnUrl } })
      .then(function (result) {
        if (result.error) {
          showError(result.error.message);
        }
      });
  });
})();
