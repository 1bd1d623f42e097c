/* Sanwei's page script: forms checked by the server's own rules, check-ins, "studied"
 * marks, opening hours and the request status look-up.
 *
 * What a member sends goes through the outbox in queue.js (window.sanweiQueue): kept on
 * the phone before it is sent, with an id made once, until the server confirmed it.
 * Pages work without this script: forms then post as plain HTML forms. */
(function () {
  "use strict";

  var MEMBER_KEY = "sanwei.member.v1";
  var STUDIED_KEY = "sanwei.studied.v1";
  var TICKETS_KEY = "sanwei.tickets.v1";
  // Per activity id, this phone's sign-up {id, status, place} and its attendance id.
  var SIGNUPS_KEY = "sanwei.signups.v1";
  var ATTENDED_KEY = "sanwei.attended.v1";
  // A random id made once: the server records one attendance per phone per activity.
  var PHONE_KEY = "sanwei.phone.v1";
  var STATUS_LABELS = { "new": "已受理，等待处理", in_progress: "处理中", resolved: "已解决" };
  var API = (document.querySelector('meta[name="sanwei-api"]') || {}).content || "";
  var queue = window.sanweiQueue;

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
      return false; // storage full or disabled (private mode): the mark is only lost here
    }
  }

  function remember(key, name, value) {
    var all = readJson(key, {});
    all[name] = value;
    writeJson(key, all);
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

  function pageTitle() { return document.title.split(" - ")[0]; }

  function say(element, text, ok) {
    if (!element) return;
    element.textContent = text;
    element.className = "sw-result " + (ok ? "is-ok" : "is-error");
  }

  // A submission the server confirmed, sent from this page or later from the queue.
  window.addEventListener("sanwei:sent", function (event) {
    var data = event.detail.data || {};
    // Study marks from this phone are linked to the member's confirmed registration.
    if (event.detail.item.kind === "registration" && data.id) writeJson(MEMBER_KEY, data.id);
    var activity = event.detail.item.body.activity;
    if (event.detail.item.kind === "signup" && data.status) {
      remember(SIGNUPS_KEY, activity, { id: data.id, status: data.status, place: data.place });
    }
    if (event.detail.item.kind === "attendance" && data.id) remember(ATTENDED_KEY, activity, data.id);
    // A request sent from the queue while the member was elsewhere never showed its
    // ticket: the status page lists this phone's tickets.
    if (data.ticket) {
      var tickets = readJson(TICKETS_KEY, []).filter(function (ticket) { return ticket !== data.ticket; });
      writeJson(TICKETS_KEY, [data.ticket].concat(tickets).slice(0, 10));
    }
  });

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

  // Whether a text holds a code point in the ranges the server refuses (its
  // REFUSED_CHARACTERS, handed over with the rules), other than the allowed controls.
  // A lone surrogate is read as itself, as the server reads it.
  function hasRefused(value, ranges, allowed) {
    for (var c = 0; c < value.length; c++) {
      var code = value.codePointAt(c);
      if (code > 0xffff) c++;
      if (allowed.indexOf(String.fromCodePoint(code)) >= 0) continue;
      for (var r = 0; r < ranges.length; r++) if (code >= ranges[r][0] && code <= ranges[r][1]) return true;
    }
    return false;
  }

  // The server's checks, in the server's order, so the first message is the same.
  function checkField(field, value, data) {
    var m = field.messages || {};
    var other = field.required_with ? data[field.required_with] : "";
    var required = field.required || !empty(typeof other === "string" ? other.trim() : other);
    if (typeof value === "string") value = value.trim();
    if (empty(value)) return required ? m.required : null;
    if (typeof value === "string") {
      if (field.kind === "textarea") value = value.replace(/\r\n?/g, "\n");
      if (hasRefused(value, field.refused || [], field.allowed_controls || "")) return m.characters;
      if (field.normalize) {
        // The server's own clean-up of a mobile number: full-width digits, spaces, +86.
        value = value.normalize(field.normalize.unicode);
        field.normalize.remove.split("").forEach(function (x) { value = value.split(x).join(""); });
        if (value.indexOf(field.normalize.prefix) === 0) value = value.slice(field.normalize.prefix.length);
        if (!new RegExp(field.pattern).test(value)) return m.pattern;
      }
      var length = Array.from(value).length;
      if (field.max_length && length > field.max_length) return m.max_length;
      if (field.min_length && length < field.min_length) return m.min_length;
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

  // A QR code's source tag and a station's "submit a request" link fill these in.
  function fillFromAddress(form) {
    var params = new URLSearchParams(location.search);
    if (form.elements.source && params.get("src")) form.elements.source.value = params.get("src");
    if (form.elements.station && params.get("station")) form.elements.station.value = params.get("station");
  }

  function setUpForm(form) {
    var rules = JSON.parse(form.querySelector("[data-sanwei-rules]").textContent);
    var fields = Object.keys(rules.fields).map(function (name) {
      var field = Object.assign({}, rules.fields[name]);
      field.name = name;
      field.refused = rules.refused_characters;
      return field;
    });
    var formName = form.getAttribute("data-sanwei-form");
    var result = form.querySelector("[data-sanwei-result]");
    var button = form.querySelector('button[type="submit"]');
    fillFromAddress(form);

    function answered(stored, answer) {
      button.disabled = false;
      var join = form.querySelector("[data-sanwei-waitlist]");
      if (answer && answer.ok && form.hasAttribute("data-sanwei-stay")) {
        // A sign-up stays on the activity's page, which shows the place it got.
        form.hidden = true;
        window.dispatchEvent(new CustomEvent("sanwei:stayed", { detail: { form: formName } }));
      } else if (answer && answer.ok) {
        location.assign(thanksUrl(formName, answer.data));
      } else if (answer && answer.final) {
        // Refused for good: the member fixes the form and it goes as a new submission.
        form.elements.id.value = "";
        if (answer.data.errors) showErrors(form, answer.data.errors);
        // A full activity: the same details can go on the waiting list.
        if (join) join.hidden = !(answer.data.errors || {}).waitlist;
        say(result, answer.data.message || "提交没有成功，请稍后再试", false);
      } else if (stored) {
        // Kept on the phone and sent later: an empty form does not invite a second copy.
        form.reset();
        form.elements.id.value = "";
        fillFromAddress(form);
        say(result, keptText(answer) + "，不用重新填写。", true);
      } else {
        // Neither sent nor kept: the form keeps what was typed (and its id) for another try.
        say(result, "网络不好，没有提交成功，手机也没能保存，请稍后再点提交。", false);
      }
    }

    var join = form.querySelector("[data-sanwei-waitlist]");
    if (join) {
      join.addEventListener("click", function () {
        form.elements.waitlist.value = "yes";
        form.requestSubmit();
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
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
      var item = { path: "forms/" + formName, body: body, label: pageTitle(), kind: formName };
      button.disabled = true;
      say(result, "正在提交…", true);
      submit(item).then(function (outcome) { answered(outcome.stored, outcome.answer); });
    });
  }

  // What the member reads when a submission stays on the phone to be sent later.
  function keptText(answer) {
    if (!answer) return "已保存在手机上，正在发送";
    if (answer.status) return "服务器忙，已保存在手机上，稍后会自动发送";
    return "网络不好，已保存在手机上，联网后会自动发送";
  }

  // Keep the item on the phone first, then send it; resolves to {stored, answer}.
  function submit(item) {
    return queue.add(item).then(function (stored) {
      var sending = stored ? queue.send(item.id, true) : queue.deliver(item, true);
      return sending.then(function (answer) { return { stored: stored, answer: answer }; });
    });
  }

  /* ---- Check-ins and "studied" marks ---- */

  function sendEvent(button, item, doneText, done) {
    var box = button.closest("[data-sanwei-lesson], [data-sanwei-station]") || button.parentNode;
    var result = box.querySelector("[data-sanwei-result]") || document.querySelector("[data-sanwei-result]");
    button.disabled = true;
    submit(item).then(function (outcome) {
      var answer = outcome.answer;
      if (answer && answer.ok) {
        say(result, doneText, true);
      } else if (answer && answer.final && item.body.member && (answer.data.errors || {}).member) {
        // The registration this phone remembered was erased: count the lesson without it.
        try { localStorage.removeItem(MEMBER_KEY); } catch (e) { /* storage disabled: nothing kept */ }
        var body = Object.assign({}, item.body, { id: uuid() });
        delete body.member;
        sendEvent(button, Object.assign({}, item, { body: body }), doneText, done);
        return;
      } else if (answer && answer.final) {
        button.disabled = false;
        say(result, answer.data.message || "没有成功，请稍后再试", false);
      } else if (outcome.stored) {
        say(result, keptText(answer) + "。", true);
      } else {
        button.disabled = false;
        say(result, "网络不好，没有记上，请稍后再点。", false);
      }
      if (done) done();
    });
  }

  function studied() { return readJson(STUDIED_KEY, {}); }

  function showStudied() {
    var marks = studied();
    Array.prototype.forEach.call(document.querySelectorAll("li[data-sanwei-lesson]"), function (item) {
      item.classList.toggle("sw-studied-done", !!marks[item.getAttribute("data-sanwei-lesson")]);
    });
  }

  function setUpEvents() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-checkin]"), function (button) {
      button.addEventListener("click", function () {
        var body = { id: uuid(), station: button.getAttribute("data-sanwei-checkin") };
        sendEvent(button, { path: "checkins", body: body, label: "到站签到 · " + pageTitle(), kind: "checkin" },
          "签到成功，欢迎歇歇脚！");
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-study]"), function (button) {
      var lesson = button.getAttribute("data-sanwei-study");
      var result = button.parentNode.querySelector("[data-sanwei-result]");
      var when = studied()[lesson];
      if (when && result) say(result, "这部手机 " + new Date(when).toLocaleDateString("zh-CN") + " 学过这一课", true);
      button.addEventListener("click", function () {
        var body = { id: uuid(), lesson: lesson };
        var member = readJson(MEMBER_KEY, null);
        if (member) body.member = member;
        // Studied on this phone from the moment of the tap, sent or still queued.
        var marks = studied();
        marks[lesson] = Date.now();
        writeJson(STUDIED_KEY, marks);
        sendEvent(button, { path: "study", body: body, label: "学习打卡 · " + pageTitle(), kind: "study" },
          "已记下这次学习，谢谢！");
      });
    });
    showStudied();
  }

  /* ---- Activities: places left, this phone's sign-up, attendance at the door and online ---- */

  function setUpSignup(box) {
    var activity = box.getAttribute("data-sanwei-signup");
    var form = box.querySelector("form");
    var places = box.querySelector("[data-sanwei-places]");
    var mine = box.querySelector("[data-sanwei-mine]");
    var now = Date.now();
    var deadline = box.getAttribute("data-deadline");
    var closed = now >= Date.parse(box.getAttribute("data-start")) || (deadline && now > Date.parse(deadline));

    function showMine() {
      var signup = readJson(SIGNUPS_KEY, {})[activity];
      if (!signup) return false;
      mine.hidden = false;
      say(mine, signup.status === "waiting"
        ? "您在候补名单的第 " + signup.place + " 位，有名额时组织者会联系您。"
        : "您已报名，是第 " + signup.place + " 位。请按时参加，到场后扫门口的签到码。", true);
      form.hidden = true;
      return true;
    }

    window.addEventListener("sanwei:sent", showMine);
    window.addEventListener("sanwei:stayed", showMine);
    if (showMine()) return;
    if (closed) {
      form.hidden = true;
      places.textContent = "报名已截止。";
      return;
    }
    fetch(API + "activities/" + encodeURIComponent(activity), { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) return;
      if (data.full) {
        places.textContent = "名额已满（" + data.capacity + " 人），您可以加入候补名单。";
        form.elements.waitlist.value = "yes";
        form.querySelector('button[type="submit"]').textContent = "加入候补名单";
      } else if (data.capacity) {
        places.textContent = "已报名 " + data.signed + " 人，还剩 " + (data.capacity - data.signed) + " 个名额。";
      } else {
        places.textContent = "已报名 " + data.signed + " 人。";
      }
    }, function () { /* offline: the form still goes through the queue, the server counts */ });
  }

  function phoneId() {
    var id = readJson(PHONE_KEY, null);
    if (!id) {
      id = uuid();
      writeJson(PHONE_KEY, id);
    }
    return id;
  }

  // "12月5日 14:30" in China time, as the server writes it (activities.office_text).
  function chinaText(moment, offsetMinutes) {
    var local = new Date(moment + offsetMinutes * 60000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (local.getUTCMonth() + 1) + "月" + local.getUTCDate() + "日 " + pad(local.getUTCHours()) + ":" + pad(local.getUTCMinutes());
  }

  // Why an attendance at `now` (ms) is refused, in the server's words, or null: the window
  // (opens, closes in ms) and the words are the build's (activities.page_texts).
  function attendanceProblem(now, opens, closes, texts) {
    if (now < opens) return texts.not_open.replace("{opens}", chinaText(opens, texts.utc_offset_minutes));
    if (now > closes) return texts.closed.replace("{closes}", chinaText(closes, texts.utc_offset_minutes));
    return null;
  }

  function setUpAttendance(box) {
    var activity = box.getAttribute("data-sanwei-attendance");
    var texts = JSON.parse(box.getAttribute("data-texts"));
    var opens = Date.parse(box.getAttribute("data-opens"));
    var closes = Date.parse(box.getAttribute("data-closes"));
    var result = box.querySelector("[data-sanwei-result]");

    // Records this phone's attendance now, if the window is open; resolves when it is sent or kept.
    function attend(way) {
      var now = Date.now();
      var problem = attendanceProblem(now, opens, closes, texts);
      if (problem) return Promise.resolve(say(result, problem, false));
      if (readJson(ATTENDED_KEY, {})[activity]) return Promise.resolve(say(result, "这部手机已经签过到了，谢谢参加！", true));
      var body = { id: uuid(), activity: activity, phone: phoneId(), scanned_at: new Date(now).toISOString(), way: way };
      var member = readJson(MEMBER_KEY, null);
      var signup = readJson(SIGNUPS_KEY, {})[activity];
      if (member) body.member = member;
      if (signup) body.signup = signup.id;
      var item = { path: "attendance", body: body, label: "活动签到 · " + pageTitle(), kind: "attendance" };
      return new Promise(function (resolve) {
        sendEvent(result, item, "签到成功，欢迎参加！", resolve);
      });
    }

    if (new URLSearchParams(location.search).get("at") === "door") attend("door");
    Array.prototype.forEach.call(document.querySelectorAll('[data-sanwei-online="' + activity + '"]'), function (link) {
      link.addEventListener("click", function (event) {
        var now = Date.now();
        if (now < opens || now > closes) return attend("online"); // says why, records nothing, still opens it
        event.preventDefault();
        // The attendance is on the phone before the meeting opens; a slow network does not hold it up.
        var leave = function () { location.assign(link.href); };
        Promise.race([attend("online"), new Promise(function (resolve) { setTimeout(resolve, 1500); })]).then(leave);
      });
    });
  }

  /* ---- Opening hours: "open now" on a station's page, by assets/hours.js ---- */

  function setUpHours() {
    var hours = window.sanweiHours; // loaded only by the pages that show hours
    if (!hours) return;
    Array.prototype.forEach.call(document.querySelectorAll(".sw-station[data-hours]"), function (box) {
      var slot = box.querySelector("[data-sanwei-open]");
      if (!slot) return;
      var state = hours.openState(hours.weekSpans(JSON.parse(box.getAttribute("data-hours"))), hours.chinaWeekMinute());
      slot.textContent = state[1];
      slot.className = "sw-open " + (state[0] ? "is-open" : "is-closed");
      slot.hidden = false;
    });
  }

  /* ---- Request status look-up and the thank-you page ---- */

  function setUpStatus(form) {
    var result = document.querySelector("[data-sanwei-result]");
    var error = form.querySelector(".sw-error");
    var mine = readJson(TICKETS_KEY, []);
    if (mine.length) {
      var list = document.createElement("p");
      list.textContent = "这部手机提交过的诉求：";
      mine.forEach(function (ticket) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "md-button";
        button.textContent = ticket;
        button.addEventListener("click", function () {
          form.elements.ticket.value = ticket;
          lookUp();
        });
        list.appendChild(button);
      });
      form.parentNode.insertBefore(list, form);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      lookUp();
    });

    function lookUp() {
      var ticket = ticketOf(form.elements.ticket.value, form.getAttribute("data-ticket-pattern"));
      if (!ticket) {
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
    }
  }

  // A ticket as the server writes it (tickets.normalize_ticket), or null if it cannot be one.
  function ticketOf(text, pattern) {
    var ticket = String(text).trim().toUpperCase();
    return new RegExp(pattern).test(ticket) ? ticket : null;
  }

  function setUpThanks(box) {
    // The address is anyone's to write: only something shaped like a ticket is shown as one.
    var ticket = ticketOf(new URLSearchParams(location.search).get("ticket") || "", box.getAttribute("data-ticket-pattern"));
    if (!ticket) return;
    box.querySelector("[data-sanwei-ticket-value]").textContent = ticket;
    box.querySelector("[data-sanwei-ticket]").hidden = false;
  }

  // The checks the page shares with the server, held to the server's by one table of cases.
  window.sanweiChecks = { checkField: checkField, ticketOf: ticketOf, attendanceProblem: attendanceProblem };

  function start() {
    // Without the outbox (a page cached from before it existed), forms post as plain forms.
    if (queue && API) {
      Array.prototype.forEach.call(document.querySelectorAll("form[data-sanwei-form]"), setUpForm);
      setUpEvents();
      Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-signup]"), setUpSignup);
      Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-attendance]"), setUpAttendance);
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sanwei-status]"), setUpStatus);
    Array.prototype.forEach.call(document.querySelectorAll("[data-sanwei-thanks]"), setUpThanks);
    setUpHours();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
