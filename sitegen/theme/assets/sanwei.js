/* Sanwei's page script: forms, check-ins and "studied" marks that are never lost.
 *
 * Everything a member sends goes into a queue on the phone first (localStorage) with a
 * submission id made once, and leaves the queue only when the server has confirmed it
 * (201, or 200 for the same id). The server stores each id once, so retries are safe.
 * Pages work without this script: forms then post as plain HTML forms. */
(function () {
  "use strict";

  var QUEUE_KEY = "sanwei.queue.v1";
  var MEMBER_KEY = "sanwei.member.v1";
  var STUDIED_KEY = "sanwei.studied.v1";
  var apiMeta = document.querySelector('meta[name="sanwei-api"]');
  var API = apiMeta ? apiMeta.content : "";
  var STATUS_LABELS = { "new": "已受理，等待处理", in_progress: "处理中", resolved: "已解决" };

  function siteBase() {
    var config = document.getElementById("__config");
    var base = config ? JSON.parse(config.textContent).base : ".";
    return new URL(base.replace(/\/?$/, "/"), location.href);
  }

  function readJson(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function writeJson(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // storage full or disabled (private mode): we still try to send now
    }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* ---- The queue ---- */

  function queue() { return readJson(QUEUE_KEY, []); }

  function enqueue(item) {
    var items = queue().filter(function (x) { return x.body.id !== item.body.id; });
    items.push(item);
    writeJson(QUEUE_KEY, items);
    showQueue();
  }

  function dequeue(id) {
    writeJson(QUEUE_KEY, queue().filter(function (x) { return x.body.id !== id; }));
    showQueue();
  }

  // Answers the server will give again however often we retry: keep none of them queued.
  var FINAL = { 400: true, 404: true, 409: true, 413: true, 415: true };

  function send(item) {
    return fetch(API + item.path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(item.body),
      credentials: "omit",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        var ok = response.status === 201 || response.status === 200;
        if (ok || FINAL[response.status]) dequeue(item.body.id);
        return { ok: ok, final: ok || !!FINAL[response.status], status: response.status, data: data };
      });
    }, function () {
      return { ok: false, final: false, status: 0, data: {} };
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !API) return;
    flushing = true;
    var items = queue();
    var next = function (i) {
      if (i >= items.length) { flushing = false; showQueue(); return; }
      send(items[i]).then(function (result) {
        if (result.ok && items[i].onSent) onSent(items[i], result.data);
        // Offline: stop here and try again when the phone is back.
        if (result.status === 0) { flushing = false; showQueue(); return; }
        next(i + 1);
      });
    };
    next(0);
  }

  function onSent(item, data) {
    if (item.onSent === "study") markStudied(item.body.lesson);
    if (item.onSent === "registration" && data && data.id) writeJson(MEMBER_KEY, data.id);
  }

  var queueBar;
  function showQueue() {
    var items = queue();
    if (!queueBar) {
      queueBar = document.createElement("div");
      queueBar.className = "sw-queue";
      queueBar.setAttribute("role", "status");
      document.body.appendChild(queueBar);
    }
    queueBar.hidden = items.length === 0;
    if (!items.length) return;
    queueBar.textContent = "";
    var text = document.createElement("span");
    text.textContent = items.length + " 条待发送（已存在手机上，联网后自动发送） ";
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "查看";
    details.appendChild(summary);
    items.forEach(function (item) {
      var row = document.createElement("p");
      row.textContent = item.label + " · " + new Date(item.queuedAt).toLocaleString("zh-CN") + " ";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "md-button";
      discard.textContent = "不发了";
      discard.addEventListener("click", function () { dequeue(item.body.id); });
      row.appendChild(discard);
      details.appendChild(row);
    });
    queueBar.appendChild(text);
    queueBar.appendChild(details);
  }

  function say(element, text, ok) {
    if (!element) return;
    element.textContent = text;
    element.className = "sw-result " + (ok ? "is-ok" : "is-error");
  }

  /* ---- Forms: the server's own rules and messages, checked before sending ---- */

  function fieldValue(form, field) {
    if (field.kind === "multichoice") {
      return Array.prototype.filter.call(form.querySelectorAll('[name="' + field.name + '"]'), function (x) { return x.checked; })
        .map(function (x) { return x.value; });
    }
    if (field.kind === "choice") {
      var checked = form.querySelector('[name="' + field.name + '"]:checked');
      return checked ? checked.value : "";
    }
    var input = form.elements[field.name];
    if (!input) return "";
    if (field.kind === "consent") return input.checked;
    return input.value.trim();
  }

  function empty(value) {
    return value === "" || value === false || value === null || (Array.isArray(value) && value.length === 0);
  }

  function checkField(field, value, data) {
    var m = field.messages || {};
    var required = field.required || (field.required_with && !empty(data[field.required_with]));
    if (empty(value)) return required ? m.required : null;
    if (field.normalize) {
      // The server's own clean-up of a mobile number: full-width digits, spaces, +86.
      value = String(value).normalize(field.normalize.unicode);
      field.normalize.remove.split("").forEach(function (c) { value = value.split(c).join(""); });
      if (value.indexOf(field.normalize.prefix) === 0) value = value.slice(field.normalize.prefix.length);
    }
    if (typeof value === "string") {
      var length = Array.from(value).length;
      if (field.min_length && length < field.min_length) return m.min_length;
      if (field.max_length && length > field.max_length) return m.max_length;
      if (field.pattern && !new RegExp(field.pattern).test(value)) return m.pattern;
    }
    var choices = field.choices;
    if (choices && choices.length) {
      var values = Array.isArray(value) ? value : [value];
      for (var i = 0; i < values.length; i++) if (choices.indexOf(values[i]) < 0) return m.choice;
    }
    return null;
  }

  function showErrors(form, errors) {
    var first = null;
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (box) {
      var name = box.getAttribute("data-field");
      var message = errors[name] || "";
      var slot = box.querySelector(".sw-error");
      if (slot) slot.textContent = message;
      box.classList.toggle("has-error", !!message);
      if (message && !first) first = box;
    });
    var rest = Object.keys(errors).filter(function (name) { return !form.querySelector('[data-field="' + name + '"] .sw-error'); });
    form.querySelector("[data-sanwei-form-error]").textContent = rest.map(function (name) { return errors[name]; }).join("；");
    if (first) {
      var control = first.querySelector("input, select, textarea");
      if (control) control.focus();
    }
  }

  function thanksUrl(formName, data) {
    var url = new URL("thanks/", siteBase());
    url.searchParams.set("form", formName);
    if (data.id) url.searchParams.set("id", data.id);
    if (data.ticket) url.searchParams.set("ticket", data.ticket);
    return url.href;
  }

  function setUpForm(form) {
    var rules = JSON.parse(form.querySelector("[data-sanwei-rules]").textContent);
    var fields = Object.keys(rules.fields).map(function (name) {
      var field = Object.assign({}, rules.fields[name]);
      field.name = name;
      return field;
    });
    var formName = form.getAttribute("data-sanwei-form");
    var result = form.querySelector("[data-sanwei-result]");
    var params = new URLSearchParams(location.search);
    // A QR code's source tag and a station's "submit a request" link fill these in.
    if (form.elements.source && params.get("src")) form.elements.source.value = params.get("src");
    if (form.elements.station && params.get("station")) form.elements.station.value = params.get("station");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      fields.forEach(function (field) { data[field.name] = fieldValue(form, field); });
      var errors = {};
      fields.forEach(function (field) {
        var message = checkField(field, data[field.name], data);
        if (message) errors[field.name] = message;
      });
      showErrors(form, errors);
      if (Object.keys(errors).length) return;

      // One id per submission, kept across retries, so the server stores it once.
      if (!form.elements.id.value) form.elements.id.value = uuid();
      var body = { id: form.elements.id.value };
      fields.forEach(function (field) { if (!empty(data[field.name])) body[field.name] = data[field.name]; });
      body[rules.honeypot] = form.elements[rules.honeypot] ? form.elements[rules.honeypot].value : "";
      var item = { path: "forms/" + formName, body: body, label: document.title.split(" - ")[0], queuedAt: Date.now(), onSent: formName };
      enqueue(item);
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      say(result, "正在提交…", true);
      send(item).then(function (answer) {
        button.disabled = false;
        if (answer.ok) {
          onSent(item, answer.data);
          location.assign(thanksUrl(formName, answer.data));
        } else if (answer.status === 400 && answer.data.errors) {
          showErrors(form, answer.data.errors);
          form.elements.id.value = "";
          say(result, answer.data.message || "请检查以下内容", false);
        } else if (answer.final) {
          form.elements.id.value = "";
          say(result, (answer.data && answer.data.message) || "提交没有成功，请稍后再试", false);
        } else {
          form.reset();
          form.elements.id.value = "";
          say(result, "网络不好，已保存在手机上，联网后会自动发送，不用重新填写。", true);
        }
      });
    });
  }

  /* ---- Check-ins and "studied" marks ---- */

  function sendEvent(button, path, body, label, onSent, doneText) {
    var result = button.parentNode.parentNode.querySelector("[data-sanwei-result]") || button.parentNode.querySelector("[data-sanwei-result]");
    var item = { path: path, body: body, label: label, queuedAt: Date.now(), onSent: onSent };
    enqueue(item);
    button.disabled = true;
    send(item).then(function (answer) {
      if (answer.ok) {
        onSent && onSent === "study" && markStudied(body.lesson);
        say(result, doneText, true);
      } else if (answer.final) {
        button.disabled = false;
        say(result, (answer.data && answer.data.message) || "没有成功，请稍后再试", false);
      } else {
        say(result, "网络不好，已保存在手机上，联网后会自动发送。", true);
      }
    });
  }

  function markStudied(slug) {
    var studied = readJson(STUDIED_KEY, {});
    studied[slug] = Date.now();
    writeJson(STUDIED_KEY, studied);
  }

  function setUpEvents() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-checkin]"), function (button) {
      button.addEventListener("click", function () {
        sendEvent(button, "checkins", { id: uuid(), station: button.getAttribute("data-sanwei-checkin") },
          "到站签到", null, "签到成功，欢迎歇歇脚！");
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-study]"), function (button) {
      button.addEventListener("click", function () {
        var body = { id: uuid(), lesson: button.getAttribute("data-sanwei-study") };
        var member = readJson(MEMBER_KEY, null);
        if (member) body.member = member;
        sendEvent(button, "study", body, "学习打卡", "study", "已记下这次学习，谢谢！");
      });
    });
    var studied = readJson(STUDIED_KEY, {});
    Array.prototype.forEach.call(document.querySelectorAll("li[data-sanwei-lesson]"), function (item) {
      if (studied[item.getAttribute("data-sanwei-lesson")]) item.classList.add("sw-studied-done");
    });
  }

  /* ---- Opening hours: "open now" from the station's weekly hours ---- */

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Stations keep China's time (UTC+8, no daylight saving), whatever the phone is set to.
  function chinaNow() {
    var china = new Date(Date.now() + 8 * 3600 * 1000);
    return { day: (china.getUTCDay() + 6) % 7, minute: china.getUTCHours() * 60 + china.getUTCMinutes() };
  }

  function openState(days, now) {
    var day = now.day; // Monday first, as in stations.yaml
    var minute = now.minute;
    var spans = days[day] || [];
    for (var i = 0; i < spans.length; i++) {
      if (spans[i][0] <= minute && minute < spans[i][1]) {
        var close = spans[i][1];
        return close >= 1440 ? "营业中" : "营业中，" + pad(Math.floor(close / 60)) + ":" + pad(close % 60) + " 关门";
      }
    }
    return null;
  }

  function setUpHours() {
    Array.prototype.forEach.call(document.querySelectorAll(".sw-station[data-hours]"), function (box) {
      var slot = box.querySelector("[data-sanwei-open]");
      if (!slot) return;
      var state = openState(JSON.parse(box.getAttribute("data-hours")), chinaNow());
      slot.textContent = state || "现在休息";
      slot.className = "sw-open " + (state ? "is-open" : "is-closed");
      slot.hidden = false;
    });
  }

  /* ---- Request status look-up and the thank-you page ---- */

  function setUpStatus(form) {
    var result = document.querySelector("[data-sanwei-result]");
    var error = form.querySelector(".sw-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var ticket = form.elements.ticket.value.trim().toUpperCase();
      if (!/^[2-9A-HJKMNP-Z]{8}$/.test(ticket)) {
        error.textContent = "诉求编号是 8 位字母和数字，请核对";
        return;
      }
      error.textContent = "";
      say(result, "正在查询…", true);
      fetch(API + "forms/request/" + encodeURIComponent(ticket), { credentials: "omit" }).then(function (response) {
        if (response.status === 404) return say(result, "没有找到这个编号，请核对后再试", false);
        if (!response.ok) return say(result, "查询没有成功，请稍后再试", false);
        return response.json().then(function (data) {
          var text = "编号 " + data.ticket + "：" + (STATUS_LABELS[data.status] || data.status);
          if (data.reply) text += "。答复：" + data.reply;
          say(result, text, true);
        });
      }, function () { say(result, "网络不好，请稍后再试", false); });
    });
  }

  function setUpThanks(box) {
    var ticket = new URLSearchParams(location.search).get("ticket");
    if (!ticket) return;
    box.querySelector("[data-sanwei-ticket-value]").textContent = ticket;
    box.querySelector("[data-sanwei-ticket]").hidden = false;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sanwei-form]"), setUpForm);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sanwei-status]"), setUpStatus);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-thanks]"), setUpThanks);
    setUpEvents();
    setUpHours();
    showQueue();
    flush();
  }

  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
