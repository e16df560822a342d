// A form's answer slot (.form-msg) says "Saved." once it is sent; when the form is changed again that no longer
// describes it, so the notice goes. An error stays until the next answer replaces it.
(function (K) {
  "use strict";

  K.ready(function () {
    document.addEventListener("input", function (event) {
      var form = event.target.closest ? event.target.closest("form[hx-target]") : null;
      var target = form ? form.getAttribute("hx-target") : "";
      var slot = target && target.charAt(0) === "#" ? document.getElementById(target.slice(1)) : null;
      if (!slot || !slot.classList.contains("form-msg")) return;
      slot.querySelectorAll(".notice").forEach(function (notice) { notice.remove(); });
    });
  });
})(window.Kraftsamla = window.Kraftsamla || {});
