// Kraftsamla live: one socket per screen. It hands fragments to htmx, keeps the last seq for resume,
// measures the offset to the server clock and counts the phase clock down locally.
(function () {
  "use strict";

  // The "upsert" swap (hx-swap-oob="upsert:#list"): each element of the fragment replaces the element with its
  // id, or joins the list before the first element with a greater data-order. A card added or voted on travels
  // alone this way; the same fragment applied twice (a replay, the post's own answer) changes nothing more.
  if (window.htmx) {
    htmx.registerExtension("kraftsamla-upsert", {
      handle_swap: function (style, target, fragment) {
        if (style !== "upsert") return false;
        var placed = Array.prototype.slice.call(fragment.children);
        placed.forEach(function (el) {
          var old = el.id ? document.getElementById(el.id) : null;
          if (old && old.parentNode === target) {
            old.replaceWith(el);
            return;
          }
          if (old) old.remove();
          var order = Number(el.getAttribute("data-order"));
          var next = Array.prototype.find.call(target.children, function (child) {
            return Number(child.getAttribute("data-order")) > order;
          });
          target.insertBefore(el, next || null);
        });
        return placed;
      }
    });
  }

  var body = document.body;
  var url = body && body.getAttribute("data-live");
  if (!url) return;

  var state = { seq: null, offset: 0, bestRtt: Infinity, socket: null, retry: 0, timer: null, probes: 0 };
  var SEQ_HEADER = /^<!--seq (\d+)-->\n?/;
  var PROBES = 6;

  function setStatus(name) {
    var badge = document.getElementById("conn");
    var status = document.getElementById("live-status");
    var text = status ? status.getAttribute("data-msg-" + name) || name : name;
    if (badge && badge.getAttribute("data-state") !== name) {
      badge.setAttribute("data-state", name);
      badge.textContent = text;
    }
  }

  function announce(key) {
    var status = document.getElementById("live-status");
    if (status) status.textContent = status.getAttribute("data-msg-" + key) || "";
  }

  // --- clock offset (Cristian's method: keep the probe with the lowest round trip) ---
  function probe() {
    var s = state.socket;
    if (!s || s.readyState !== WebSocket.OPEN) return;
    s.send(JSON.stringify({ type: "time", client: performanceNow() }));
  }

  function performanceNow() {
    return performance.timeOrigin + performance.now();
  }

  function resync() {
    state.bestRtt = Infinity;
    state.probes = 0;
    probe();
  }

  function onTime(msg) {
    var now = performanceNow();
    var rtt = now - msg.client;
    if (rtt >= 0 && rtt < state.bestRtt) {
      state.bestRtt = rtt;
      state.offset = msg.server - (msg.client + rtt / 2);
      body.setAttribute("data-clock-offset", String(Math.round(state.offset)));
      body.setAttribute("data-clock-rtt", String(Math.round(rtt)));
    }
    state.probes += 1;
    if (state.probes < PROBES) setTimeout(probe, 50);
  }

  function serverNow() {
    return performanceNow() + state.offset;
  }

  // --- the phase clock, counted down here against the server's deadline ---
  function format(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  var lastWarn = null;
  function tick() {
    waits();
    var clock = document.getElementById("clock");
    if (!clock) return;
    var face = clock.querySelector(".clock-time");
    var st = clock.getAttribute("data-state");
    var left = null;
    if (st === "running") left = Number(clock.getAttribute("data-deadline")) - serverNow();
    else if (st === "paused") left = Number(clock.getAttribute("data-remaining"));
    if (left === null || isNaN(left)) return;
    if (face) {
      var text = format(left);
      if (face.textContent !== text) face.textContent = text;
    }
    var warn = st === "running" ? (left <= 0 ? "ended" : left <= 5 * 60 * 1000 ? "ending" : "") : "";
    clock.classList.toggle("clock-ending", warn === "ending");
    clock.classList.toggle("clock-ended", warn === "ended");
    if (warn !== lastWarn) {
      if (lastWarn !== null && warn) announce(warn);
      if (lastWarn !== null && warn === "ended") signalEnd(clock);
      lastWarn = warn;
    }
  }

  // --- keeping the person's place when a region is replaced: open <details>, focus, and what they were typing ---
  // A field is found again by its id, or by its name (and value, for choices) inside the nearest element with an id.
  function fieldKey(el) {
    if (el.id) return { id: el.id };
    var holder = el.parentElement && el.parentElement.closest("[id]");
    if (!holder || !el.name) return null;
    var choice = el.type === "radio" || el.type === "checkbox";
    return { holder: holder.id, name: el.name, value: choice ? el.value : null };
  }

  function findField(key) {
    if (key.id) return document.getElementById(key.id);
    var holder = document.getElementById(key.holder);
    if (!holder) return null;
    var fields = holder.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].name === key.name && (key.value === null || fields[i].value === key.value)) return fields[i];
    }
    return null;
  }

  function edited(el) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") return false;
    if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  // The regions a frame replaces: its top-level elements, by id.
  function regionsOf(text) {
    var parsed = document.createElement("template");
    parsed.innerHTML = text;
    return Array.prototype.map.call(parsed.content.children, function (el) { return el.id; })
      .filter(function (id) { return id; });
  }

  function within(regions, el) {
    return regions.some(function (id) {
      var region = document.getElementById(id);
      return region !== null && region.contains(el);
    });
  }

  function keepPlace(regions) {
    var active = document.activeElement;
    var place = { regions: regions, open: [], typed: [], focus: null, selection: null };
    if (active && active !== document.body) {
      place.focus = active.id ? { id: active.id } : (active.name ? fieldKey(active) : null);
      if (typeof active.selectionStart === "number") {
        try { place.selection = [active.selectionStart, active.selectionEnd]; } catch (e) { place.selection = null; }
      }
    }
    document.querySelectorAll("details[open][id]").forEach(function (el) { place.open.push(el.id); });
    // Only fields inside the regions this frame replaces: a form that its own response resets is left alone.
    document.querySelectorAll("input, textarea, select").forEach(function (el) {
      var key = edited(el) && within(regions, el) && fieldKey(el);
      if (key) place.typed.push({ key: key, el: el, value: el.value, checked: el.checked });
    });
    return place;
  }

  function restorePlace(place) {
    place.open.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.open = true;
    });
    // Only a field that was replaced by the new fragment gets back what the person had typed or chosen.
    place.typed.forEach(function (typed) {
      var now = findField(typed.key);
      if (!now || now === typed.el || now.disabled || !within(place.regions, now)) return;
      if (now.type === "radio" || now.type === "checkbox") now.checked = typed.checked;
      else now.value = typed.value;
    });
    var focus = place.focus && findField(place.focus);
    if (focus && focus !== document.activeElement) {
      focus.focus();
      if (place.selection && typeof focus.setSelectionRange === "function") {
        try { focus.setSelectionRange(place.selection[0], place.selection[1]); } catch (e) { /* not a text field */ }
      }
    }
  }

  // Waiting times in the expert queues: whole minutes since data-since (server time), counted here.
  function waits() {
    var now = serverNow();
    document.querySelectorAll(".wait[data-since]").forEach(function (el) {
      var text = String(Math.max(0, Math.floor((now - Number(el.getAttribute("data-since"))) / 60000)));
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // --- the socket ---
  function onMessage(event) {
    var text = event.data;
    if (typeof text !== "string") return;
    if (text.charAt(0) === "{") {
      var msg;
      try { msg = JSON.parse(text); } catch (e) { return; }
      if (msg.type === "time") onTime(msg);
      if (msg.type === "reload") window.location.reload(); // this person's team changed
      if (msg.type === "synced") {
        // Caught up: everything missed while away has been applied.
        state.seq = Math.max(state.seq === null ? 0 : state.seq, msg.seq);
        body.setAttribute("data-seq", String(state.seq));
        setStatus("live");
      }
      return;
    }
    var match = SEQ_HEADER.exec(text);
    if (match) {
      var seq = Number(match[1]);
      if (state.seq !== null && seq < state.seq) return;
      state.seq = seq;
      body.setAttribute("data-seq", String(seq));
      text = text.slice(match[0].length);
    }
    var kept = keepPlace(regionsOf(text));
    htmx.swap({ text: text, swap: "none", target: body, sourceElement: body }).then(function () {
      restorePlace(kept);
      lastWarn = null;
      tick();
      syncBoard();
      follow(text);
    });
  }

  // --- followers: an element with data-follow="id ..." fetches data-follow-url when a frame brings one of
  // those ids; of the parts that come back, one the person is typing in (or marked data-keep) stays as it is ---
  function idsIn(fragment, ids) {
    fragment.querySelectorAll("[id]").forEach(function (el) { ids[el.id] = true; });
    fragment.querySelectorAll("template").forEach(function (t) { idsIn(t.content, ids); });
    return ids;
  }

  function follow(text) {
    var followers = document.querySelectorAll("[data-follow][data-follow-url]");
    if (!followers.length) return;
    var parsed = document.createElement("template");
    parsed.innerHTML = text;
    var ids = idsIn(parsed.content, {});
    followers.forEach(function (el) {
      if (!el.getAttribute("data-follow").split(" ").some(function (id) { return ids[id]; })) return;
      window.fetch(el.getAttribute("data-follow-url"), { headers: { "HX-Request": "true" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (parts) {
          var fresh = document.createElement("template");
          fresh.innerHTML = parts;
          Array.prototype.slice.call(fresh.content.children).forEach(function (part) {
            var now = part.id && document.getElementById(part.id);
            if (!now || now.hasAttribute("data-keep") ||
                Array.prototype.some.call(now.querySelectorAll("input, textarea, select"), edited)) part.remove();
          });
          if (!fresh.content.children.length) return;
          var place = keepPlace([]);
          htmx.swap({ text: fresh.innerHTML, swap: "none", target: body, sourceElement: body }).then(function () {
            restorePlace(place);
            syncBoard();
          });
        })
        .catch(function () { /* the next frame tries again */ });
    });
  }

  function connect() {
    clearTimeout(state.timer);
    var target = url + (state.seq !== null ? "?since=" + state.seq : "");
    var socket = new WebSocket(target);
    state.socket = socket;
    setStatus(state.retry ? "reconnecting" : "connecting");
    socket.onopen = function () {
      state.retry = 0;
      resync();
      wakeWaiters();
    };
    socket.onmessage = onMessage;
    socket.onclose = function (event) {
      if (state.socket !== socket) return;
      state.socket = null;
      if (event.code === 1008) {
        // The session is gone: back to the join page.
        window.location.reload();
        return;
      }
      setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      var delay = Math.min(30000, 500 * Math.pow(2, state.retry)) * (0.5 + Math.random() / 2);
      state.retry += 1;
      state.timer = setTimeout(connect, delay);
    };
  }

  function reconnectNow() {
    if (state.socket && state.socket.readyState <= WebSocket.OPEN) {
      resync();
      return;
    }
    state.retry = 0;
    connect();
  }

  // --- writes: a post that cannot reach the server waits in the page and is sent again, same key, when back ---
  var pending = 0;
  var waiters = [];

  function showPending() {
    body.setAttribute("data-pending", String(pending));
    var badge = document.getElementById("conn");
    if (badge) badge.setAttribute("data-pending", String(pending));
  }

  function whenBack(attempt) {
    return new Promise(function (resolve) {
      var done = false;
      function go() { if (!done) { done = true; resolve(); } }
      waiters.push(go);
      setTimeout(go, Math.min(30000, 1000 * Math.pow(2, attempt)));
    });
  }

  function wakeWaiters() {
    var ready = waiters;
    waiters = [];
    ready.forEach(function (go) { go(); });
  }

  function transient(status) {
    return status === 429 || status === 502 || status === 503 || status === 504;
  }

  async function deliver(url, init, elt) {
    var waiting = false;
    try {
      for (var attempt = 0; ; attempt++) {
        try {
          var response = await window.fetch(url, init);
          if (!transient(response.status)) return response;
        } catch (error) {
          if (error && error.name === "AbortError") throw error;
        }
        if (!waiting) {
          waiting = true;
          pending += 1;
          showPending();
          if (elt) elt.setAttribute("aria-busy", "true");
          announce("pending");
        }
        await whenBack(attempt);
      }
    } finally {
      if (waiting) {
        pending -= 1;
        showPending();
        if (elt) elt.removeAttribute("aria-busy");
      }
    }
  }

  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || !ctx.request || String(ctx.request.method || "GET").toUpperCase() === "GET") return;
    ctx.request.timeout = 0; // a write waits for the connection instead of being given up
    // Forms in shared fragments carry no key: make one per submission, so a resend is recognised.
    var form = ctx.request.body;
    if (form && typeof form.get === "function" && !form.get("key")) form.set("key", newKey());
    ctx.fetch = function (url, init) { return deliver(url, init, ctx.sourceElement); };
  });

  // A laptop that slept: wall time jumps while the monotonic clock did not move as far.
  var lastWall = Date.now();
  var lastMono = performance.now();
  setInterval(function () {
    var wall = Date.now();
    var mono = performance.now();
    if (Math.abs((wall - lastWall) - (mono - lastMono)) > 2000) reconnectNow();
    lastWall = wall;
    lastMono = mono;
  }, 1000);

  setInterval(tick, 200);
  setInterval(resync, 45000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });
  window.addEventListener("online", function () { reconnectNow(); wakeWaiters(); });
  window.addEventListener("offline", function () { setStatus("offline"); });
  window.kraftsamlaLive = { serverNow: serverNow, state: state, pending: function () { return pending; } };

  // --- the board: its forms follow the board's state, which arrives live with each phase change ---
  function syncBoard() {
    var st = document.getElementById("board-state");
    if (!st) return;
    var open = st.getAttribute("data-board") === "open";
    var voting = st.getAttribute("data-voting") === "open";
    document.querySelectorAll("fieldset.board-edit").forEach(function (f) { f.disabled = !open; });
    document.querySelectorAll("fieldset.board-vote").forEach(function (f) { f.disabled = !voting; });
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // also where crypto.randomUUID is missing (plain http on a LAN)
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // --- the end of a phase: a short tone (Web Audio, no file) unless muted, and a visual cue ---
  var MUTE_KEY = "kraftsamla-muted";
  function muted() {
    try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }

  function signalEnd(clock) {
    clock.classList.add("clock-signal");
    setTimeout(function () { clock.classList.remove("clock-signal"); }, 4000);
    body.setAttribute("data-phase-ended", String(Date.now()));
    var Audio = window.AudioContext || window.webkitAudioContext;
    if (muted() || !Audio) return;
    try {
      var audio = new Audio();
      var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      [0, 0.35, 0.7].slice(0, reduce ? 1 : 3).forEach(function (at) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + at + 0.25);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.3);
      });
      // Browsers keep the audio silent ("suspended") on a page nobody has clicked or typed on yet.
      audio.resume().then(function () {
        if (audio.state === "running") body.setAttribute("data-sound-played", String(Date.now()));
      });
      setTimeout(function () { audio.close(); }, 2000);
    } catch (e) { /* no sound is better than a broken clock */ }
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
    });
  }

  function start() {
    initMute();
    syncBoard();
    tick();
    connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
