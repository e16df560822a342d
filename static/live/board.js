// The team board: its forms follow the board's state (a live region), the opened card's panel closes here
// (offline too) with its Close link or Esc, and focus comes back to where the person was working.
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

  // After adding a card the form comes back empty: the next card starts in its title.
  document.addEventListener("htmx:after:swap", function (event) {
    followBoardState();
    if (event.target.id === "card-form" && K.place.focusLost()) {
      var title = document.getElementById("card-title");
      if (title && !title.disabled) title.focus();
    }
  });

  K.ready(followBoardState);
})(window.Kraftsamla = window.Kraftsamla || {});
