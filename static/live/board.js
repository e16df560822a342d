// The team board: its forms follow the board's state (a live region), the opened card's panel closes here
// (offline too) with its Close link or Esc and follows its card live, and focus comes back to where the person
// was working.
(function (K) {
  "use strict";

  // Whether cards may be changed and voted on arrives live with each phase change: forms follow it.
  function followBoardState() {
    var state = document.getElementById("board-state");
    if (!state) return;
    var open = state.getAttribute("data-board") === "open";
    var voting = state.getAttribute("data-voting") === "open";
    document.querySelectorAll("fieldset.board-edit").forEach(function (f) { f.disabled = !open; });
    document.querySelectorAll("fieldset.board-vote").forEach(function (f) { f.disabled = !voting; });
  }

  function openPanel() {
    var panel = document.getElementById("card-panel");
    return panel && !panel.hidden && panel.hasAttribute("data-card") && !document.body.classList.contains("card-page") ? panel : null;
  }

  // Close the panel without asking the server (it holds nothing else), and go back to its card.
  function closePanel(panel) {
    var card = panel.getAttribute("data-card");
    panel.hidden = true;
    panel.removeAttribute("aria-labelledby");
    panel.removeAttribute("data-card");
    panel.replaceChildren();
    var back = document.getElementById("card-" + card + "-open") || document.getElementById("card-title");
    if (back) back.focus();
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest(".panel-close");
    var panel = close && openPanel();
    if (!panel || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    closePanel(panel);
  });

  document.addEventListener("keydown", function (event) {
    var panel = openPanel();
    if (event.key !== "Escape" || event.isComposing || event.defaultPrevented || !panel) return;
    event.preventDefault();
    closePanel(panel);
  });

  // The opened card follows its card: when a frame brings one of the ids its #card-follow names (the card, its
  // column), its parts are fetched again; a part the person is typing in, or one marked data-keep (a conflict
  // shown), stays as it is, so a draft keeps the revision it started from and its save shows the conflict.
  function followCard(ctx) {
    var follow = document.getElementById("card-follow");
    var panel = openPanel();
    if (!follow || !panel || !ctx || typeof ctx.text !== "string" || panel.contains(ctx.sourceElement)) return;
    var frame = document.createElement("template");
    frame.innerHTML = ctx.text;
    var watched = follow.getAttribute("data-follow").split(" ");
    if (!watched.some(function (id) { return id && frame.content.querySelector("[id='" + id + "']"); })) return;
    window.fetch(follow.getAttribute("data-follow-url"), { headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) {
        var parts = document.createElement("template");
        parts.innerHTML = text;
        Array.prototype.slice.call(parts.content.children).forEach(function (part) {
          var now = part.id && document.getElementById(part.id);
          if (!now || !panel.contains(now) || now.hasAttribute("data-keep") || typed(now)) part.remove();
        });
        if (parts.content.children.length) htmx.swap({ text: parts.innerHTML, swap: "none", target: panel, sourceElement: panel });
      })
      .catch(function () { /* offline: the next frame asks again */ });
  }

  function typed(part) {
    return Array.prototype.some.call(part.querySelectorAll("input, textarea, select"), function (field) {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field.tagName === "SELECT") return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
      return field.value !== field.defaultValue;
    });
  }

  // After adding a card the form comes back empty: the next card starts in its title.
  document.addEventListener("htmx:after:swap", function (event) {
    followBoardState();
    followCard(event.detail && event.detail.ctx);
    if (event.target.id === "card-form" && K.place.focusLost()) {
      var title = document.getElementById("card-title");
      if (title && !title.disabled) title.focus();
    }
  });

  K.ready(followBoardState);
})(window.Kraftsamla = window.Kraftsamla || {});
