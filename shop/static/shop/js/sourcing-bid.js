// 反向竞价: the bid box refreshes the end time (late bids extend it), the bidder's own best bid
// and rank every few seconds without reloading. The server never sends other bidders' prices.
(function () {
  "use strict";
  var box = document.getElementById("sourcing-bid-box");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var deadline = document.getElementById("sourcing-deadline");
  var status = document.getElementById("sourcing-status");
  var best = document.getElementById("sourcing-my-best");
  var rank = document.getElementById("sourcing-my-rank");
  var form = document.getElementById("sourcing-bid-form");
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show(iso) {
    var d = new Date(iso);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function money(v) {
    var parts = Number(v).toFixed(2).split(".");
    return "¥" + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + parts[1];
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        deadline.textContent = show(data.deadline);
        deadline.setAttribute("data-deadline", data.deadline);
        status.textContent = data.status_label;
        if (data.my_best) { best.textContent = money(data.my_best); }
        rank.textContent = data.my_rank || "—";
        if (data.status !== "open" && form) { form.remove(); form = null; }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(refresh, 3000);
}());
