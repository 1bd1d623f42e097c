/* Sanwei's outbox: what a member sends stays on the phone until the server has it.
 *
 * An item (a form, a check-in, a "studied" mark) is written to storage before it is
 * sent: IndexedDB, or localStorage where IndexedDB is missing or will not open. It
 * leaves storage when the server confirmed it (201, or 200 for an id it already has:
 * the server stores each id once, so a retry is always safe). A refusal that no retry
 * can change (400/404/409/413/415) stops the sending and stays as a notice until the
 * member dismisses it. Network errors and 5xx keep the item queued; it is sent again
 * when a page loads, when the phone is back online, when the page is shown again, and
 * on a slowing timer while a page stays open.
 *
 * The page script uses window.sanweiQueue; the "N 条待发送" bar on every page is drawn
 * here. Pages work without it: forms then post as plain HTML forms. */
(function () {
  "use strict";

  var STORAGE_KEY = "sanwei.queue.v1"; // the localStorage list, also read by older page scripts
  var LOCK = "sanwei-queue";
  // A send takes at most TIMEOUT_MS (the fetch is aborted then); a lease outlives it.
  var TIMEOUT_MS = 30000;
  var LEASE_MS = 60000;
  var FIRST_RETRY_MS = 5000;
  var LAST_RETRY_MS = 300000;
  var FINAL = { 400: true, 404: true, 409: true, 413: true, 415: true };
  var apiMeta = document.querySelector('meta[name="sanwei-api"]');
  var API = apiMeta ? apiMeta.content : "";
  var tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var channel = window.BroadcastChannel ? new BroadcastChannel(LOCK) : null;

  /* ---- Storage: all() and change(id, fn), where fn gets the stored item (or undefined)
   * and returns the item to store, null to remove it, or undefined to leave it. ---- */

  function readLocal() {
    try {
      var items = JSON.parse(localStorage.getItem(STORAGE_KEY)) || [];
      // Items queued by the previous page script: id only in the body, kind as onSent.
      items.forEach(function (item) {
        item.id = item.id || item.body.id;
        item.kind = item.kind || item.onSent || "";
      });
      return items;
    } catch (e) {
      return [];
    }
  }

  var local = {
    all: function () { return Promise.resolve(readLocal()); },
    change: function (id, fn) {
      return new Promise(function (resolve) {
        var items = readLocal();
        var at = items.map(function (item) { return item.id; }).indexOf(id);
        var out = fn(at < 0 ? undefined : items[at]);
        if (out === undefined || (out === null && at < 0)) return resolve(out);
        if (out === null) items.splice(at, 1);
        else if (at < 0) items.push(out);
        else items[at] = out;
        localStorage.setItem(STORAGE_KEY, JSON.stringify(items)); // throws when full or disabled
        resolve(out);
      });
    },
  };

  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open("sanwei-queue", 1); // throws where IndexedDB is missing
      request.onupgradeneeded = function () { request.result.createObjectStore("queue", { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = request.onblocked = function () { reject(request.error); };
      // Some in-app browsers never answer at all.
      setTimeout(reject, 3000);
    });
  }

  function indexedStore(db) {
    function run(mode, work) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("queue", mode);
        var out = {};
        work(tx.objectStore("queue"), out);
        tx.oncomplete = function () { resolve(out.value); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    }
    return {
      all: function () {
        return run("readonly", function (store, out) {
          store.getAll().onsuccess = function (event) { out.value = event.target.result; };
        });
      },
      change: function (id, fn) {
        return run("readwrite", function (store, out) {
          store.get(id).onsuccess = function (event) {
            out.value = fn(event.target.result);
            if (out.value === null) store.delete(id);
            else if (out.value) store.put(out.value);
          };
        });
      },
    };
  }

  // Items an older page, or a visit where IndexedDB would not open, left in localStorage
  // move into IndexedDB: written there first, then removed one by one, so none is lost.
  function adoptLocal(store) {
    return Promise.all(readLocal().map(function (item) {
      return store.change(item.id, function (stored) { return stored ? undefined : item; })
        .then(function () { return local.change(item.id, function () { return null; }); });
    })).then(function () { return store; });
  }

  var storage = openDatabase().then(indexedStore).then(adoptLocal).then(null, function () { return local; });

  function list() {
    return storage.then(function (store) { return store.all(); }).then(function (items) {
      return items.sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    }, function () { return []; });
  }

  function change(id, fn) {
    return storage.then(function (store) { return store.change(id, fn); });
  }

  /* Two tabs never send the same item at once.
   * - With Web Locks, an item is sent only while this tab holds the lock
   *   "sanwei-queue:<id>", asked for with ifAvailable: a tab that finds it taken moves on,
   *   since the holder is sending that item right now. Holding the lock, the tab reads the
   *   item again; the sender removes it from storage before its lock is released, so a tab
   *   that gets the lock afterwards finds it gone. The browser releases the lock of a tab
   *   that closes or crashes, so the lock alone decides and a stale lease is ignored. A lock
   *   per item, not one for the queue, so one slow send never holds up a fresh submission.
   * - Without Web Locks (older WebViews, and pages served over plain http), the claim is a
   *   "sending until" lease written in the same IndexedDB readwrite transaction that reads
   *   the item. IndexedDB runs readwrite transactions on one store one after another, also
   *   across tabs, so only one tab finds the item free and takes it. A tab that dies
   *   leaves its lease behind; it runs out after LEASE_MS and the item is sent again.
   * - localStorage promises neither: it has no transactions, and another tab's write may
   *   reach this tab late. There two tabs could, rarely, both send an item; the server is
   *   the backstop, as it stores an id once and answers a repeat with 200. */
  function withLock(id, work) {
    if (!navigator.locks) return work(false);
    return navigator.locks.request(LOCK + ":" + id, { ifAvailable: true }, function (lock) {
      return lock ? work(true) : undefined; // taken: another tab is sending this item
    });
  }

  // Resolves to the server's answer {status, data, ok, final}, or null when there was
  // nothing to send: the item is gone or refused, or another tab is sending it.
  function send(id, shown) {
    var busy = false;
    return withLock(id, function (locked) {
      var now = Date.now();
      return change(id, function (item) {
        busy = !!item && !item.refused && !locked && item.until > now;
        if (!item || item.refused || busy) return undefined;
        item.until = now + LEASE_MS;
        item.sender = tab;
        return item;
      }).then(function (item) {
        return item ? deliver(item, shown) : busy ? undefined : null;
      });
    }).then(function (answer) {
      // undefined: another tab holds the item's lock or lease. Should that tab die
      // before it is done, a later try from here sends the item.
      if (answer === undefined) later();
      return answer || null;
    }, function () {
      return null;
    });
  }

  function post(item) {
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, TIMEOUT_MS);
    return fetch(API + item.path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(item.body),
      credentials: "omit",
      signal: abort ? abort.signal : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).catch(function () {
      return { status: 0, data: {} };
    }).then(function (answer) {
      clearTimeout(timer);
      answer.ok = answer.status === 201 || answer.status === 200;
      answer.final = answer.ok || !!FINAL[answer.status];
      return answer;
    });
  }

  // Sends an item and settles it in storage. `shown`: the member is looking at the
  // answer (the form they just submitted), so a refusal needs no notice kept.
  function deliver(item, shown) {
    return post(item).then(function (answer) {
      return change(item.id, function (stored) {
        if (!stored) return undefined; // discarded meanwhile
        if (answer.ok || (answer.final && shown)) return null;
        if (answer.final) stored.refused = refusal(answer);
        // Give the item back for the next try, unless another tab's lease took it over.
        if (stored.sender === tab) stored.until = 0;
        return stored;
      }).then(null, function () {
        // Storage failed after the send: the item stays and a retry gets 200.
      }).then(function () {
        if (answer.ok) {
          retryDelay = FIRST_RETRY_MS;
          window.dispatchEvent(new CustomEvent("sanwei:sent", { detail: { item: item, data: answer.data } }));
        } else if (!answer.final) {
          later();
        }
        changed();
        return answer;
      });
    });
  }

  function refusal(answer) {
    var data = answer.data || {};
    var errors = data.errors ? Object.keys(data.errors).map(function (name) { return data.errors[name]; }) : [];
    return [data.message || "没有发送成功"].concat(errors).join("：");
  }

  /* ---- Sending everything waiting: one run at a time per tab ---- */

  var lastRun = Promise.resolve();
  var nextRun = null;
  var retryTimer = 0;
  var retryDelay = FIRST_RETRY_MS;

  function waiting(item) { return !item.refused; }

  // Every caller gets a run that starts after its call, so nothing added is missed.
  function flush() {
    if (!nextRun) {
      nextRun = lastRun.then(function () {
        nextRun = null;
        return flushOnce();
      });
      lastRun = nextRun;
    }
    return nextRun;
  }

  function flushOnce() {
    if (!API) return draw();
    return list().then(function (items) {
      return items.filter(waiting).reduce(function (chain, item) {
        return chain.then(function (offline) {
          // No network: the rest would fail the same way; the next trigger sends them.
          if (offline) return true;
          return send(item.id, false).then(function (answer) { return !!answer && answer.status === 0; });
        });
      }, Promise.resolve(false));
    }).then(draw, draw);
  }

  function later() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = 0;
      flush();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, LAST_RETRY_MS);
  }

  function add(item) {
    item.id = item.body.id;
    item.queuedAt = Date.now();
    item.until = 0;
    return change(item.id, function () { return item; }).then(function () {
      changed();
      return true;
    }, function () {
      return false;
    });
  }

  function discard(id) {
    return change(id, function () { return null; }).then(changed, changed);
  }

  function changed() {
    if (channel) channel.postMessage("changed");
    draw();
  }

  /* ---- The bar: what is still only on this phone ---- */

  var bar;
  var drawn = "";

  function draw() {
    return list().then(function (items) {
      var now = Date.now();
      // The bar is a live region: redraw (and so announce) it only when it changes.
      var state = JSON.stringify(items.map(function (item) { return [item.id, item.refused, item.until > now]; }));
      if (bar && state === drawn) return;
      drawn = state;
      if (!bar) {
        bar = document.createElement("div");
        bar.className = "sw-queue";
        bar.setAttribute("role", "status");
        document.body.appendChild(bar);
      }
      var open = !!bar.querySelector("details[open]");
      bar.textContent = "";
      bar.hidden = items.length === 0;
      document.body.style.paddingBottom = "";
      if (!items.length) return;

      var count = items.filter(waiting).length;
      var refused = items.length - count;
      var text = [];
      if (count) text.push(count + " 条待发送（已存在手机上，联网后自动发送）");
      if (refused) text.push(refused + " 条没有发送成功");
      bar.appendChild(document.createTextNode(text.join("；") + " "));
      var details = document.createElement("details");
      details.open = open;
      var summary = document.createElement("summary");
      summary.textContent = "查看";
      details.appendChild(summary);
      items.forEach(function (item) { details.appendChild(row(item)); });
      bar.appendChild(details);
      // Keep the end of the page above the bar.
      document.body.style.paddingBottom = bar.offsetHeight + "px";
    });
  }

  function row(item) {
    var line = document.createElement("p");
    var state = item.refused ? item.refused : item.until > Date.now() ? "正在发送…" : "等待发送";
    line.textContent = item.label + " · " + new Date(item.queuedAt).toLocaleString("zh-CN") + " · " + state + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-button";
    button.textContent = item.refused ? "知道了" : "不发了";
    button.addEventListener("click", function () {
      if (item.refused || window.confirm("不发送这一条了吗？删除后找不回来。")) discard(item.id);
    });
    line.appendChild(button);
    return line;
  }

  // deliver(item, shown) sends an item that could not be stored, so no other tab has it.
  window.sanweiQueue = { add: add, send: send, deliver: deliver, flush: flush, list: list, discard: discard };

  if (channel) channel.onmessage = draw;
  // Another tab that keeps the queue in localStorage changed it.
  window.addEventListener("storage", function (event) { if (event.key === STORAGE_KEY) draw(); });
  window.addEventListener("online", flush);
  window.addEventListener("pageshow", function (event) { if (event.persisted) flush(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flush();
  });
  // Deferred scripts all run before DOMContentLoaded: by then the page script listens for
  // "sanwei:sent", however late it arrived over a slow network.
  if (document.readyState === "complete") flush();
  else document.addEventListener("DOMContentLoaded", flush);
})();
