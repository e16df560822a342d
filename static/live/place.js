// A person keeps their place when a region is replaced under them. Regions holding forms are morphed
// (hx-swap-oob="outerMorph"), which keeps what was typed and focused; here, in htmx 4's documented morph hooks,
// an open <details> stays open and a changed <select> keeps its choice by value (morph matches options by
// position). Focus lost with a replaced element (an upserted card's button) goes to its successor by id.
(function (K) {
  "use strict";

  var chosen = [];

  function userChosen(select) {
    return Array.prototype.some.call(select.options, function (o) { return o.selected !== o.defaultSelected; });
  }

  if (window.htmx) {
    htmx.registerExtension("kraftsamla-place", {
      htmx_before_morph_node: function (elt) {
        if (elt.tagName === "SELECT" && !elt.multiple && userChosen(elt)) chosen.push([elt, elt.value]);
      },
      htmx_before_morph_attr: function (elt, detail) {
        if (elt.tagName === "DETAILS" && detail.attrName === "open" && detail.newValue === null) return false;
      },
    });
  }

  function restoreChoices() {
    chosen.forEach(function (pair) {
      var select = pair[0];
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === pair[1]; });
      if (option) option.selected = true;
    });
    chosen = [];
  }

  function focusLost() {
    return !document.activeElement || document.activeElement === document.body;
  }

  document.addEventListener("htmx:before:swap", function (event) {
    var active = document.activeElement;
    event.detail.ctx.kraftsamlaFocus = active && active !== document.body && active.id ? active.id : null;
  });

  document.addEventListener("htmx:after:swap", function (event) {
    restoreChoices();
    var id = event.detail.ctx.kraftsamlaFocus;
    if (!id || !focusLost()) return;
    var successor = document.getElementById(id);
    if (successor && !successor.disabled) successor.focus({ preventScroll: true });
  });

  K.place = { focusLost: focusLost };
})(window.Kraftsamla = window.Kraftsamla || {});
