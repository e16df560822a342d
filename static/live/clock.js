// The server's time, estimated here, and the phase clock counted down against it. The face is redrawn when the
// second turns in server time, so every screen flips together; the expert queues' waits count whole minutes.
(function (K) {
  "use strict";

  var PROBES = 6;
  var offset = 0;
  var bestRtt = Infinity;
  var probes = 0;
  var send = null;
  var timer = null;
  var watched = { phase: null, warn: null };

  function localNow() {
    return performance.timeOrigin + performance.now();
  }

  function serverNow() {
    return localNow() + offset;
  }

  // Cristian's method: of a few probes, keep the one with the lowest round trip.
  function measure(sender) {
    send = sender;
    bestRtt = Infinity;
    probes = 0;
    probe();
  }

  function probe() {
    if (send) send({ type: "time", client: localNow() });
  }

  function onTime(msg) {
    var rtt = localNow() - msg.client;
    if (rtt >= 0 && rtt < bestRtt) {
      bestRtt = rtt;
      offset = msg.server - (msg.client + rtt / 2);
      document.body.setAttribute("data-clock-offset", String(Math.round(offset)));
      document.body.setAttribute("data-clock-rtt", String(Math.round(rtt)));
      redraw();
    }
    probes += 1;
    if (probes < PROBES) setTimeout(probe, 50);
  }

  function format(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function timeLeft(clock, state) {
    if (state === "running") return Number(clock.getAttribute("data-deadline")) - serverNow();
    if (state === "paused") return Number(clock.getAttribute("data-remaining"));
    return NaN;
  }

  // Draw the face now and come back exactly when the shown second changes.
  function redraw() {
    clearTimeout(timer);
    timer = null;
    var clock = document.getElementById("clock");
    if (!clock) return;
    var state = clock.getAttribute("data-state");
    var left = timeLeft(clock, state);
    if (isNaN(left)) return;
    var face = clock.querySelector(".clock-time");
    var text = format(left);
    if (face && face.textContent !== text) face.textContent = text;
    warn(clock, state, left);
    // The face shows ceil(left / 1000) s: it changes when left reaches the next whole second below.
    if (state === "running" && left > 0) timer = setTimeout(redraw, Math.max(1, left - (Math.ceil(left / 1000) - 1) * 1000));
  }

  // Five minutes left, and time up: said once per phase, and the end signalled; a new phase starts quiet.
  function warn(clock, state, left) {
    var level = state === "running" ? (left <= 0 ? "ended" : left <= 5 * 60 * 1000 ? "ending" : "") : "";
    clock.classList.toggle("clock-ending", level === "ending");
    clock.classList.toggle("clock-ended", level === "ended");
    var phase = clock.getAttribute("data-phase");
    if (phase !== watched.phase) {
      watched = { phase: phase, warn: level };
      return;
    }
    if (level === watched.warn) return;
    watched.warn = level;
    if (level) K.say(level);
    if (level === "ended") clock.dispatchEvent(new CustomEvent("kraftsamla:phase-ended", { bubbles: true }));
  }

  // Waiting times in the expert queues: whole minutes since data-since (server time).
  function waits() {
    var now = serverNow();
    document.querySelectorAll(".wait[data-since]").forEach(function (el) {
      var text = String(Math.max(0, Math.floor((now - Number(el.getAttribute("data-since"))) / 60000)));
      if (el.textContent !== text) el.textContent = text;
    });
  }

  K.clock = {
    serverNow: serverNow,
    localNow: localNow,
    measure: measure,
    onTime: onTime,
    redraw: redraw,
    probes: function () { return probes; },
  };

  K.ready(function () {
    redraw();
    waits();
    setInterval(waits, 1000);
    // A frame or an answer may bring a new clock (another phase, a pause, an extension), or change this one.
    document.addEventListener("htmx:after:swap", function () { redraw(); waits(); });
    new MutationObserver(redraw).observe(document.body, {
      subtree: true, attributeFilter: ["data-state", "data-deadline", "data-remaining"],
    });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) redraw(); });
  });
})(window.Kraftsamla = window.Kraftsamla || {});
