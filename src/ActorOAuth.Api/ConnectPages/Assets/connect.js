// Optional polish for the connect page; everything works without it. Served as a file: the page's CSP allows no inline
// script. It keeps each status light current by asking the page's status endpoint while the page is visible.
(function () {
  "use strict";
  var page = document.querySelector("[data-session-status]");
  if (!page || !window.fetch) { return; }
  var url = page.getAttribute("data-session-status");

  function update(items) {
    items.forEach(function (item) {
      var block = document.querySelector('[data-connection="' + CSS.escape(item.id) + '"]');
      var light = block && block.querySelector(".light[data-status]");
      if (!light || light.getAttribute("data-status") === item.status) { return; }
      light.setAttribute("data-status", item.status);
      light.className = "light light-" + item.colour;
      var text = light.querySelector(".light-text");
      if (text) { text.textContent = item.label; }
    });
  }

  function poll() {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && body.items) { update(body.items); } })
      .catch(function () { /* the page still shows the last known light */ });
  }

  // Every 10 s: the pages share the callback's per-address rate limit.
  window.setInterval(poll, 10000);
})();
