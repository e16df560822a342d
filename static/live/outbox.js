// Writes that outlive the network and the page. Every htmx post carries an idempotency key (forms in shared
// fragments have none: one is made per submission), waits while the server cannot be reached and is sent again
// with the same key. Until answered it is kept in localStorage, so a page of the same person opened later sends
// what a closed one could not. Hooks: htmx 4's documented htmx:config:request and, in htmx:before:request,
// detail.ctx.fetch (the 4.0.1 extension guide's "Overriding fetch", as its own hx-preload does).
(function (K) {
  "use strict";

  var STORE = "kraftsamla-outbox";
  var KEEP_MS = 48 * 3600 * 1000; // a race's length
  var LOCK = "kraftsamla-page-";
  var page = K.newKey();
  var pending = 0;
  var waiters = [];

  // Whose writes these are: the race and the person (data-outbox), so that nobody else's page sends them.
  function scope() {
    return document.body ? document.body.getAttribute("data-outbox") : null;
  }

  function read() {
    try { return JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch (e) { return {}; }
  }

  function write(entries) {
    try {
      if (Object.keys(entries).length) localStorage.setItem(STORE, JSON.stringify(entries));
      else localStorage.removeItem(STORE);
    } catch (e) { /* full or private mode: the write still waits in this page */ }
  }

  function keep(url, init) {
    var body = init.body;
    var key = body instanceof URLSearchParams ? body.get("key") : null;
    if (!key || !scope()) return null; // a multipart body or a page of nobody's: it waits in this page only
    var entries = read();
    entries[key] = { url: url, body: String(body), headers: init.headers || {}, scope: scope(), page: page, at: Date.now() };
    write(entries);
    return key;
  }

  function forget(key) {
    if (!key) return;
    var entries = read();
    delete entries[key];
    write(entries);
  }

  function showPending() {
    document.body.setAttribute("data-pending", String(pending));
    var badge = document.getElementById("conn");
    if (badge) badge.setAttribute("data-pending", String(pending));
  }

  // Resolve when the connection is back (the socket opened, the browser is online) or after a backoff;
  // a server that said when to come back (429 with Retry-After) is not asked again before then.
  function whenBack(attempt, atLeast) {
    return new Promise(function (resolve) {
      if (!atLeast) waiters.push(resolve);
      setTimeout(resolve, Math.max(atLeast || 0, Math.min(30000, 1000 * Math.pow(2, attempt))));
    });
  }

  function wake() {
    var ready = waiters;
    waiters = [];
    ready.forEach(function (go) { go(); });
  }

  function transient(status) {
    return status === 429 || status === 502 || status === 503 || status === 504;
  }

  async function deliver(url, init, elt) {
    var key = keep(url, init);
    var waiting = false;
    try {
      for (var attempt = 0; ; attempt++) {
        var later = 0;
        try {
          var response = await window.fetch(url, init);
          if (!transient(response.status)) {
            forget(key);
            return response;
          }
          later = 1000 * (Number(response.headers.get("Retry-After")) || 0);
        } catch (error) {
          if (error && error.name === "AbortError") {
            forget(key);
            throw error;
          }
        }
        if (!waiting) {
          waiting = true;
          pending += 1;
          showPending();
          if (elt) elt.setAttribute("aria-busy", "true");
          K.say("pending");
        }
        await whenBack(attempt, later);
      }
    } finally {
      if (waiting) {
        pending -= 1;
        showPending();
        if (elt) elt.removeAttribute("aria-busy");
      }
    }
  }

  // Pages that are open hold a lock each; a kept write whose page holds none was left by a closed page.
  function livePages() {
    if (!navigator.locks) return Promise.resolve({});
    return navigator.locks.query().then(function (state) {
      var names = {};
      (state.held || []).forEach(function (lock) { names[lock.name] = true; });
      return names;
    }, function () { return {}; });
  }

  function sendLeftBehind() {
    var mine = scope();
    if (!mine) return;
    livePages().then(function (alive) {
      var entries = read();
      var now = Date.now();
      var left = [];
      Object.keys(entries).forEach(function (key) {
        var entry = entries[key];
        if (now - entry.at > KEEP_MS) delete entries[key];
        else if (entry.scope === mine && entry.page !== page && !alive[LOCK + entry.page]) left.push(entry);
      });
      write(entries);
      left.forEach(function (entry) {
        var init = { method: "POST", body: new URLSearchParams(entry.body), headers: entry.headers, credentials: "same-origin" };
        deliver(entry.url, init, null).catch(function () { /* aborted */ });
      });
    });
  }

  function isWrite(request) {
    return request && String(request.method || "GET").toUpperCase() !== "GET";
  }

  if (window.htmx) {
    htmx.registerExtension("kraftsamla-outbox", {
      htmx_config_request: function (elt, detail) {
        var request = detail.ctx.request;
        if (!isWrite(request)) return;
        request.timeout = 0; // a write waits for the connection instead of being given up
        var form = request.body;
        if (form && typeof form.get === "function" && !form.get("key")) form.set("key", K.newKey());
      },
      htmx_before_request: function (elt, detail) {
        var ctx = detail.ctx;
        if (!isWrite(ctx.request)) return;
        ctx.fetch = function (url, init) { return deliver(url, init, ctx.sourceElement); };
      },
    });
  }

  K.outbox = { wake: wake, pending: function () { return pending; } };

  K.ready(function () {
    if (navigator.locks) {
      navigator.locks.request(LOCK + page, function () { return new Promise(function () {}); }).catch(function () {});
    }
    window.addEventListener("online", wake);
    sendLeftBehind();
  });
})(window.Kraftsamla = window.Kraftsamla || {});
