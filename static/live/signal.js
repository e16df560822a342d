// The end of a phase: a visual cue and a short tone (Web Audio, no file) unless muted. A screen that may not play
// sound yet (browsers wait for a click or a key on the page) says so and offers a button that turns it on.
(function (K) {
  "use strict";

  var MUTE_KEY = "kraftsamla-muted";
  var Context = window.AudioContext || window.webkitAudioContext;
  var audio = null;

  function muted() {
    try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }

  function allowed() {
    return audio !== null && audio.state === "running";
  }

  function showNotice() {
    var notice = document.getElementById("sound-off");
    if (notice) notice.hidden = !audio || allowed() || muted();
  }

  // Within a click or a key press the browser lets the page start its audio.
  function enable() {
    if (audio && audio.state === "suspended") audio.resume().then(showNotice, showNotice);
  }

  function tone() {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var start = audio.currentTime;
    [0, 0.35, 0.7].slice(0, reduce ? 1 : 3).forEach(function (at) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.3, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.3);
    });
    document.body.setAttribute("data-sound-played", String(Date.now()));
  }

  function signalEnd(event) {
    var clock = event.target;
    clock.classList.add("clock-signal");
    setTimeout(function () { clock.classList.remove("clock-signal"); }, 4000);
    document.body.setAttribute("data-phase-ended", String(Date.now()));
    // Only now or never: a tone played once the page is clicked later would mark nothing.
    if (muted() || !allowed()) return;
    try { tone(); } catch (e) { /* no sound is better than a broken clock */ }
  }

  function initMute() {
    var toggle = document.getElementById("sound-toggle");
    if (!toggle) return;
    function show() { toggle.setAttribute("aria-pressed", muted() ? "true" : "false"); }
    toggle.hidden = false;
    show();
    toggle.addEventListener("click", function () {
      try { localStorage.setItem(MUTE_KEY, muted() ? "0" : "1"); } catch (e) { /* private mode */ }
      show();
      showNotice();
    });
  }

  K.ready(function () {
    if (!document.getElementById("clock")) return;
    try { audio = Context ? new Context() : null; } catch (e) { audio = null; }
    if (audio) audio.addEventListener("statechange", showNotice);
    initMute();
    showNotice();
    var button = document.getElementById("sound-enable");
    if (button) button.addEventListener("click", enable);
    document.addEventListener("pointerdown", enable, true);
    document.addEventListener("keydown", enable, true);
    document.addEventListener("kraftsamla:phase-ended", signalEnd);
  });
})(window.Kraftsamla = window.Kraftsamla || {});
