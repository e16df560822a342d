// What the scripts of static/live/ share: the window.Kraftsamla namespace, the page's spoken status messages and
// idempotency keys. Every file adds one concern to the namespace; see docs/architecture.md.
(function (K) {
  "use strict";

  // The page's own words for a status (data-msg-* on #live-status, rendered in the reader's language).
  K.message = function (key) {
    var status = document.getElementById("live-status");
    return (status && status.getAttribute("data-msg-" + key)) || "";
  };

  // Say it in the polite live region, for screen readers.
  K.say = function (key) {
    var status = document.getElementById("live-status");
    if (status) status.textContent = K.message(key);
  };

  K.newKey = function () {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // also where crypto.randomUUID is missing (plain http on a LAN)
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  };

  K.ready = function (start) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  };
})(window.Kraftsamla = window.Kraftsamla || {});
