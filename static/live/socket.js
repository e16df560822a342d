// One socket per screen. It hands the server's fragments to htmx, keeps the last seq to resume from (?since=),
// reconnects with backoff, and its badge tells the truth: "live" only while the socket answers. The browser's
// online/offline events and a heartbeat make it check: a socket that does not answer is given up and dialled again.
(function (K) {
  "use strict";

  var body = document.body;
  var url = body && body.getAttribute("data-live");
  if (!url) return;

  var SEQ_HEADER = /^<!--seq (\d+)-->\n?/;
  var HEARTBEAT_MS = 15000;
  var ANSWER_MS = 10000; // the server's own send timeout: a busy server is not a dead one
  var RESYNC_MS = 45000;
  var CLOSE_POLICY = 1008;

  var seq = null;
  var socket = null;
  var synced = false;
  var everLive = false;
  var retry = 0;
  var redial = null;
  var check = null;
  var heardAt = 0;

  function show(state) {
    var badge = document.getElementById("conn");
    if (!badge || badge.getAttribute("data-state") === state) return;
    badge.setAttribute("data-state", state);
    badge.textContent = K.message(state) || badge.textContent;
  }

  function notLive() {
    return navigator.onLine === false ? "offline" : everLive ? "reconnecting" : "connecting";
  }

  function send(msg) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
  }

  function connect() {
    clearTimeout(redial);
    var s = new WebSocket(url + (seq !== null ? "?since=" + seq : ""));
    socket = s;
    synced = false;
    show(notLive());
    s.onopen = function () {
      if (socket !== s) return;
      retry = 0;
      K.clock.measure(send);
      if (K.outbox) K.outbox.wake();
    };
    s.onmessage = function (event) {
      if (socket !== s) return;
      heard();
      receive(event.data);
    };
    s.onclose = function (event) {
      if (socket === s) lost(event.code);
    };
  }

  function lost(code) {
    socket = null;
    synced = false;
    clearTimeout(check);
    check = null;
    if (code === CLOSE_POLICY) {
      window.location.reload(); // the session is gone: back to the join page
      return;
    }
    show(notLive());
    var delay = Math.min(30000, 500 * Math.pow(2, retry)) * (0.5 + Math.random() / 2);
    retry += 1;
    redial = setTimeout(connect, delay);
  }

  function heard() {
    heardAt = performance.now();
    if (synced) show("live");
  }

  // Ask the server for its time; a socket that has not answered within ANSWER_MS is dead, whatever it says.
  function verify() {
    if (!synced || check) return;
    var asked = performance.now();
    send({ type: "time", client: K.clock.localNow() });
    check = setTimeout(function () {
      check = null;
      if (heardAt >= asked || !socket) return;
      var dead = socket;
      lost(1006);
      dead.close();
    }, ANSWER_MS);
  }

  // Back from offline, from a hidden tab or a sleep: check the socket now, or dial at once.
  function reconnectNow() {
    if (socket) {
      verify();
      if (socket && socket.readyState === WebSocket.OPEN) K.clock.measure(send);
      return;
    }
    retry = 0;
    connect();
  }

  function receive(text) {
    if (typeof text !== "string") return;
    if (text.charAt(0) === "{") {
      var msg;
      try { msg = JSON.parse(text); } catch (e) { return; }
      if (msg.type === "time") K.clock.onTime(msg);
      if (msg.type === "reload") window.location.reload(); // this person's team changed
      if (msg.type === "synced") {
        // Caught up: everything missed while away has been applied.
        seq = Math.max(seq === null ? 0 : seq, msg.seq);
        body.setAttribute("data-seq", String(seq));
        synced = true;
        everLive = true;
        show("live");
      }
      return;
    }
    var match = SEQ_HEADER.exec(text);
    if (match) {
      var frameSeq = Number(match[1]);
      if (seq !== null && frameSeq < seq) return;
      seq = frameSeq;
      body.setAttribute("data-seq", String(seq));
      text = text.slice(match[0].length);
    }
    htmx.swap({ text: text, swap: "none", target: body, sourceElement: body });
  }

  // A laptop that slept: the wall clock jumped while the monotonic one did not move as far.
  var lastWall = Date.now();
  var lastMono = performance.now();
  function heartbeat() {
    var wall = Date.now();
    var mono = performance.now();
    var slept = Math.abs((wall - lastWall) - (mono - lastMono)) > 2000;
    lastWall = wall;
    lastMono = mono;
    if (slept) reconnectNow();
    else verify();
  }

  K.socket = { state: function () { return socket ? socket.readyState : null; } };

  K.ready(function () {
    connect();
    setInterval(heartbeat, HEARTBEAT_MS);
    setInterval(function () { if (synced) K.clock.measure(send); }, RESYNC_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") reconnectNow();
    });
    window.addEventListener("online", reconnectNow);
    window.addEventListener("offline", function () {
      show("offline");
      verify();
    });
  });
})(window.Kraftsamla = window.Kraftsamla || {});
