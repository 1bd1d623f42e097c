/* Sanwei's staff console: plain JavaScript, no framework, nothing from another host.
 *
 * Staff sign in with their personal token, which stays in sessionStorage (this tab, until it
 * closes). Every call sends it as "Authorization: Bearer <token>"; a 401 signs the page out.
 * All text from the server goes into the page as text (textContent), never as HTML.
 * Downloads end in a plain <a href> to a presigned link: the WeChat browser cannot save a
 * file that JavaScript made, but it follows a link. */
(function () {
  "use strict";

  var root = document.querySelector("[data-sanwei-staff]");
  if (!root) return;
  var TOKEN_KEY = "sanwei.staff.token";
  var apiMeta = document.querySelector('meta[name="sanwei-api"]');
  var API = apiMeta ? apiMeta.content : "";
  var NAMES = JSON.parse(root.querySelector("[data-staff-names]").textContent);
  var ACTIONS = {
    "submissions.list": "查看列表", "request.read": "查看诉求", "request.update": "处理诉求",
    "member.read": "查看党员", "member.liaison": "安排联系人", "member.branch": "分配支部", "member.follow_up": "记录跟进",
    "member.transfer": "组织关系转接", "export.create": "导出文件", "export.download": "下载导出文件",
    "person.read": "按手机号查人", "person.erase": "删除个人信息", "token.create": "发放令牌", "token.revoke": "停用令牌",
    "report.export": "下载工作报告", "volunteer.team": "服务队审核", "service.record": "记录服务", "service.review": "核实服务上报"
  };
  // Where a return code was posted: a campaign, or a station (tagged with its id).
  var SOURCES = Object.assign({ "": "直接打开" }, NAMES.sources, NAMES.stations);
  var me = null;
  var memoryToken = null; // when sessionStorage is refused (some private modes)
  var listCursor = null;
  var auditCursor = null;

  /* ---- Small helpers ---- */

  function $(selector, base) { return (base || root).querySelector(selector); }
  function $all(selector, base) { return Array.prototype.slice.call((base || root).querySelectorAll(selector)); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function readToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || memoryToken; } catch (e) { return memoryToken; }
  }

  function keepToken(token) {
    memoryToken = token;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* memory only */ }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The office keeps China's time, whatever the device says: its offset from UTC is the
  // one the build writes into the page (hours.page_rule()), not written again here.
  var CHINA_OFFSET_MS = JSON.parse($("script[data-sanwei-hours-rule]").textContent).utcOffsetMinutes * 60000;

  function chinaDate(offsetDays) {
    var d = new Date(Date.now() + CHINA_OFFSET_MS + (offsetDays || 0) * 86400 * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function chinaTime(iso) {
    if (!iso) return "";
    var d = new Date(new Date(iso).getTime() + CHINA_OFFSET_MS);
    if (isNaN(d.getTime())) return iso;
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  function label(map, key) { return (map && map[key]) || key || "（无）"; }

  function say(node, text, ok) {
    if (!node) return;
    node.textContent = text;
    node.className = "sw-result " + (ok ? "is-ok" : "is-error");
  }

  function formValues(form) {
    var values = {};
    $all("input[name], select[name], textarea[name]", form).forEach(function (input) {
      if (input.type === "submit") return;
      if (input.multiple) {
        values[input.name] = $all("option", input).filter(function (option) { return option.selected; })
          .map(function (option) { return option.value; });
        return;
      }
      values[input.name] = input.value.trim();
    });
    return values;
  }

  function query(values) {
    var params = new URLSearchParams();
    Object.keys(values).forEach(function (key) { if (values[key]) params.set(key, values[key]); });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  // Errors by field go under their field; the rest (or all, without slots) into the summary.
  function showErrors(form, errors) {
    $all("[data-error-for]", form).forEach(function (slot) { slot.textContent = ""; });
    var rest = [];
    Object.keys(errors || {}).forEach(function (name) {
      var slot = $('[data-error-for="' + name + '"]', form);
      if (slot) slot.textContent = errors[name];
      else rest.push(errors[name]);
    });
    var summary = $("[data-error-summary]", form);
    if (summary) summary.textContent = rest.join("；");
  }

  function problemText(answer) {
    if (answer.status === 0) return "网络不好，请稍后再试";
    if (answer.status === 403) return "您的令牌无权查看或修改这些记录";
    return (answer.data && answer.data.message) || "没有成功，请稍后再试";
  }

  /* ---- Talking to the API ---- */

  function call(method, path, body) {
    var headers = { Authorization: "Bearer " + readToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) signOut("令牌不对、已过期或已停用，请重新登录");
        return { status: response.status, ok: response.ok, data: data };
      });
    }, function () {
      return { status: 0, ok: false, data: {} };
    });
  }

  /* ---- Signing in and out ---- */

  function signIn(token, quiet) {
    keepToken(token);
    var result = $("[data-staff-signin-result]");
    if (!quiet) say(result, "正在登录…", true);
    return call("GET", "staff/me").then(function (answer) {
      if (!answer.ok) {
        if (answer.status !== 401) say(result, problemText(answer), false);
        return;
      }
      me = answer.data;
      say(result, "", true);
      showApp();
    });
  }

  function signOut(message) {
    keepToken(null);
    me = null;
    // Nothing read with the old token stays on the page for whoever signs in next.
    ["[data-staff-stats-result]", "[data-staff-report-result]", "[data-staff-report-file-result]", "[data-staff-list-items]", "[data-staff-detail]", "[data-staff-export-result]",
      "[data-staff-people-result]", "[data-staff-audit-items]", "[data-staff-tokens]"].forEach(function (selector) { $(selector).textContent = ""; });
    forgetNewToken();
    $("[data-staff-app]").hidden = true;
    $("[data-staff-signin]").hidden = false;
    say($("[data-staff-signin-result]"), message || "已退出", !message);
  }

  function showApp() {
    $("[data-staff-signin]").hidden = true;
    $("[data-staff-app]").hidden = false;
    var role = me.role === "admin" ? "管理员" : "驿站工作人员（" + me.stations.map(function (id) { return label(NAMES.stations, id); }).join("、") + "）";
    $("[data-staff-who]").textContent = "已登录：" + me.name + " · " + role;
    $all("[data-admin-only]").forEach(function (node) { node.hidden = me.role !== "admin"; });
    $all("[data-form-select] option, [data-station-select] option").forEach(function (option) {
      option.hidden = false;
      option.disabled = false;
    });
    if (me.role !== "admin") limitToStations();
    // Every day asked for is a query per shard: the overview starts with a week, lists with a month.
    $all("input[data-default]").forEach(function (input) {
      var kind = input.getAttribute("data-default");
      if (!input.value) input.value = kind === "to" ? chinaDate(0) : chinaDate(kind === "week" ? -6 : -29);
    });
    showTab((location.hash || "#overview").slice(1));
  }

  // Station staff see requests and check-ins of their own stations only.
  function limitToStations() {
    $all("[data-form-select] option").forEach(function (option) {
      var keep = option.value === "request" || option.value === "checkin";
      option.hidden = !keep;
      option.disabled = !keep;
      if (!keep && option.selected) option.selected = false;
    });
    $all("[data-form-select]").forEach(function (select) { select.value = "request"; });
    $all("[data-station-select] option").forEach(function (option) {
      var keep = option.value === "" || me.stations.indexOf(option.value) >= 0;
      option.hidden = !keep;
      option.disabled = !keep;
    });
  }

  /* ---- Tabs ---- */

  function showTab(name) {
    var panel = $('[data-panel="' + name + '"]');
    var adminOnly = $('[data-tab="' + name + '"][data-admin-only]');
    if (!panel || (me && me.role !== "admin" && adminOnly)) name = "overview";
    $all("[data-panel]").forEach(function (node) { node.hidden = node.getAttribute("data-panel") !== name; });
    $all("[data-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === name || (name === "detail" && tab.getAttribute("data-tab") === "records");
      tab.classList.toggle("is-active", on);
      if (on) tab.setAttribute("aria-current", "page"); else tab.removeAttribute("aria-current");
    });
    if (name === "overview" && !$("[data-staff-stats-result]").hasChildNodes()) loadStats();
    if (name === "colleagues" && !$("[data-staff-tokens]").hasChildNodes()) loadTokens();
    if (name === "report" && !$("[data-staff-report-result]").hasChildNodes()) loadReport();
    if (name === "activities" && !$("[data-staff-activities]").hasChildNodes()) loadActivities();
  }

  /* ---- Numbers at a glance ---- */

  function bars(title, rows, names) {
    var box = el("div", "sw-chart");
    box.appendChild(el("h3", null, title));
    var max = rows.reduce(function (m, row) { return Math.max(m, row.count); }, 0) || 1;
    var list = el("ul", "sw-bars");
    rows.forEach(function (row) {
      var item = el("li", "sw-bar");
      item.appendChild(el("span", "sw-bar-label", names ? label(names, row.key) : row.key));
      var track = el("span", "sw-bar-track");
      var fill = el("span", "sw-bar-fill");
      fill.style.width = (100 * row.count / max).toFixed(1) + "%";
      track.appendChild(fill);
      item.appendChild(track);
      item.appendChild(el("span", "sw-bar-value", row.count));
      list.appendChild(item);
    });
    if (!rows.length) list.appendChild(el("li", "sw-help", "没有数据"));
    box.appendChild(list);
    return box;
  }

  // The top of a chart: a round number (1, 2 or 5 times a power of ten) at or above the
  // largest count, so the height of a column reads against a scale, not only its neighbours.
  function roundTop(max) {
    if (max <= 1) return 1;
    var power = Math.pow(10, Math.floor(Math.log(max) / Math.LN10));
    var step = [1, 2, 5, 10].filter(function (n) { return n * power >= max; })[0];
    return step * power;
  }

  // Days and weeks as a row of columns: a month fits a phone's width at a glance, and a
  // single week is one column of the usual width (staff.css), not a block filling the chart.
  function columns(title, rows) {
    var box = el("div", "sw-chart");
    box.appendChild(el("h3", null, title));
    var max = rows.reduce(function (m, row) { return Math.max(m, row.count); }, 0);
    var total = rows.reduce(function (sum, row) { return sum + row.count; }, 0);
    var top = roundTop(max);
    var chart = el("div", "sw-columns");
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", title + "：共 " + total);
    chart.setAttribute("data-scale", top);
    rows.forEach(function (row) {
      var column = el("span", "sw-column");
      column.title = row.key + "：" + row.count;
      var fill = el("span", "sw-column-fill");
      fill.style.height = (100 * row.count / top).toFixed(1) + "%";
      column.appendChild(fill);
      chart.appendChild(column);
    });
    box.appendChild(chart);
    if (rows.length) {
      var axis = el("p", "sw-columns-axis");
      axis.appendChild(el("span", null, rows[0].key));
      axis.appendChild(el("span", null, "满格 " + top + " · 最多 " + max + " · 共 " + total));
      axis.appendChild(el("span", null, rows[rows.length - 1].key));
      box.appendChild(axis);
    }
    return box;
  }

  function tile(name, value) {
    var box = el("div", "sw-tile");
    box.appendChild(el("strong", null, value));
    box.appendChild(el("span", null, name));
    return box;
  }

  function loadStats() {
    var form = $("[data-staff-stats]");
    var out = $("[data-staff-stats-result]");
    out.textContent = "正在统计…";
    call("GET", "staff/stats" + query(formValues(form))).then(function (answer) {
      out.textContent = "";
      showErrors(form, answer.data.errors);
      if (!answer.ok) { out.appendChild(el("p", "sw-result is-error", problemText(answer))); return; }
      var s = answer.data;
      var tiles = el("div", "sw-tiles");
      if (s.registrations) {
        tiles.appendChild(tile("登记党员", s.registrations.total));
        tiles.appendChild(tile("已结对联系人", s.registrations.with_liaison));
      }
      if (s.study) tiles.appendChild(tile("学习次数", s.study.total));
      tiles.appendChild(tile("签到人次", s.checkins.total));
      tiles.appendChild(tile("诉求", s.requests.total));
      tiles.appendChild(tile("已解决", s.requests.resolved));
      var median = s.requests.median_hours_to_resolve;
      tiles.appendChild(tile("解决用时中位数", median === null ? "—" : median + " 小时"));
      out.appendChild(tiles);
      if (s.registrations) {
        out.appendChild(bars("登记来源（哪张海报或驿站带来的）", s.registrations.by_source, SOURCES));
        out.appendChild(columns("每周登记（按周一日期）", s.registrations.by_week));
      }
      if (s.study) {
        out.appendChild(bars("各课学习次数", s.study.by_lesson, NAMES.lessons));
        out.appendChild(columns("每天学习次数", s.study.by_day));
      }
      out.appendChild(bars("各驿站签到", s.checkins.by_station, NAMES.stations));
      out.appendChild(columns("每天签到", s.checkins.by_day));
      out.appendChild(bars("诉求状态", s.requests.by_status, NAMES.statuses));
    });
  }

  /* ---- Lists ---- */

  function summary(record) {
    var data = record.data || {};
    switch (record.form) {
      case "request":
        return [record.ticket + " · " + label(NAMES.statuses, record.status), label(NAMES.stations, data.station) + "：" + (data.message || "")];
      case "registration":
        return [data.name + " · " + data.mobile, label(SOURCES, data.source || "") +
          (record.liaison ? " · 联系人 " + record.liaison.name : " · 未结对") +
          (record.branch ? " · " + record.branch.name : "")];
      case "volunteer":
        return [data.name + " · " + data.mobile + " · " + approvalText(record),
          (data.helps || []).map(function (v) { return label(NAMES.choices["volunteer.helps"], v); }).join("、")];
      case "service":
        return [data.name + " · " + label(NAMES.teams, data.team) + " · " + (record.review ? label(NAMES.reviews, record.review.state) : "待核实"),
          data.date + " " + data.what];
      case "checkin":
        return [label(NAMES.stations, data.station), "签到"];
      case "study":
        return [label(NAMES.lessons, data.lesson), "学习"];
      default:
        return [record.id, ""];
    }
  }

  // Where a volunteer stands: the team decided on, else the one asked for, and the approval.
  function approvalText(record) {
    var decision = record.team_decision;
    if (decision) return label(NAMES.teams, decision.team) + " " + label(NAMES.approvals, decision.state);
    var asked = (record.data || {}).team;
    return (asked ? "想加入" + label(NAMES.teams, asked) + " " : "") + NAMES.approvals.pending;
  }

  function listItem(record) {
    var item = el("li");
    var button = el("button", "sw-staff-item");
    button.type = "button";
    var lines = summary(record);
    button.appendChild(el("strong", null, lines[0]));
    button.appendChild(el("span", null, lines[1]));
    button.appendChild(el("small", null, chinaTime(record.created_at)));
    button.setAttribute("data-record", record.form === "request" ? record.ticket : record.id);
    button.addEventListener("click", function () { openRecord(record); });
    item.appendChild(button);
    return item;
  }

  function loadList(more) {
    var form = $("[data-staff-list]");
    var values = formValues(form);
    var formName = values.form;
    delete values.form;
    if (more && listCursor) values.cursor = listCursor;
    var items = $("[data-staff-list-items]");
    var result = $("[data-staff-list-result]");
    if (!more) items.textContent = "";
    say(result, "正在查询…", true);
    call("GET", "staff/submissions/" + encodeURIComponent(formName) + query(values)).then(function (answer) {
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      answer.data.items.forEach(function (record) { items.appendChild(listItem(record)); });
      listCursor = answer.data.cursor;
      $("[data-staff-more]").hidden = !listCursor;
      say(result, items.children.length ? "共显示 " + items.children.length + " 条" : "没有符合条件的记录", true);
    });
  }

  /* ---- Detail: a request, a member, or any other record ---- */

  function facts(record) {
    var list = el("dl", "sw-facts");
    function add(name, value) {
      if (value === undefined || value === null || value === "") return;
      list.appendChild(el("dt", null, name));
      list.appendChild(el("dd", null, value));
    }
    add("提交时间", chinaTime(record.created_at));
    (NAMES.fields[record.form] || []).forEach(function (pair) {
      var value = (record.data || {})[pair[0]];
      var choices = NAMES.choices[record.form + "." + pair[0]];
      if (Array.isArray(value)) value = value.map(function (v) { return label(choices, v); }).join("、");
      else if (choices) value = label(choices, value);
      else if (pair[0] === "station") value = label(NAMES.stations, value);
      else if (pair[0] === "source") value = value ? label(SOURCES, value) : "";
      else if (pair[0] === "lesson") value = label(NAMES.lessons, value);
      add(pair[1], value);
    });
    add("提交编号", record.id);
    return list;
  }

  // The forms that change a record are rendered at build time from the API's own field
  // definitions (staffinput.py); each is cloned here and filled in with the record's values.
  function actionForm(name, values, submit) {
    var form = document.importNode($('template[data-staff-form="' + name + '"]').content.firstElementChild, true);
    Object.keys(values).forEach(function (key) {
      var control = form.elements.namedItem(key);
      if (control && values[key] !== undefined && values[key] !== null) control.value = values[key];
    });
    var send = $("button[type=submit]", form);
    var result = $("[data-staff-result]", form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send.disabled = true;
      say(result, "正在保存…", true);
      submit(formValues(form)).then(function (answer) {
        send.disabled = false;
        showErrors(form, answer.data.errors);
        if (answer.ok) {
          // The record comes back as stored now: show it whole, with the news on top.
          render(answer.data, "已保存");
        } else {
          say(result, problemText(answer), false);
        }
      });
    });
    return form;
  }

  function historyList(title, entries, line) {
    var box = el("div", "sw-staff-history");
    box.appendChild(el("h3", null, title));
    var list = el("ul");
    (entries || []).forEach(function (entry) { list.appendChild(el("li", null, line(entry))); });
    if (!list.children.length) list.appendChild(el("li", "sw-help", "还没有"));
    box.appendChild(list);
    return box;
  }

  function render(record, notice) {
    var out = $("[data-staff-detail]");
    out.textContent = "";
    var title = NAMES.forms[record.form] + (record.ticket ? " " + record.ticket : "");
    out.appendChild(el("h2", null, title));
    var news = el("p", "sw-result is-ok", notice || "");
    news.setAttribute("role", "status");
    news.setAttribute("data-staff-notice", "");
    out.appendChild(news);
    out.appendChild(facts(record));
    if (record.form === "request") renderRequest(out, record);
    if (record.form === "registration" && me.role === "admin") renderMember(out, record);
    if (record.form === "volunteer" && me.role === "admin") renderVolunteer(out, record);
    if (record.form === "service" && me.role === "admin") renderReport(out, record);
  }

  function renderVolunteer(out, record) {
    out.appendChild(el("p", "sw-staff-approval", "审核情况：" + approvalText(record)));
    var decision = record.team_decision || { team: (record.data || {}).team, decision: "approved" };
    var values = { team: decision.team, decision: decision.state || decision.decision, note: decision.note };
    out.appendChild(actionForm("team", values, function (values) {
      return call("PUT", "staff/volunteers/" + encodeURIComponent(record.id) + "/team", values);
    }));
  }

  // A member's report is confirmed (it then counts) or rejected once.
  function renderReport(out, record) {
    if (record.review) {
      out.appendChild(el("p", "sw-staff-approval", "核实结果：" + label(NAMES.reviews, record.review.state) + "（" +
        record.review.by_name + " " + chinaTime(record.review.at) + "）" + (record.review.note ? " " + record.review.note : "")));
      return;
    }
    out.appendChild(actionForm("review", { decision: "confirmed" }, function (values) {
      return call("PUT", "staff/service-reports/" + encodeURIComponent(record.id) + "/review", values);
    }));
  }

  function renderRequest(out, record) {
    var path = "staff/requests/" + encodeURIComponent(record.ticket);
    var form = actionForm("request", { reply: record.reply, note: record.note },
      function (values) { return call("PATCH", path, values); });
    // The status can stay, or make one of the moves the workflow allows from it.
    var status = form.elements.namedItem("status");
    var allowed = [record.status].concat(NAMES.transitions[record.status] || []);
    $all("option", status).forEach(function (option) {
      if (allowed.indexOf(option.value) < 0) status.removeChild(option);
      else if (option.value === record.status) option.textContent += "（现在）";
    });
    status.value = record.status;
    out.appendChild(form);
    out.appendChild(historyList("处理经过", record.history, function (entry) {
      return chinaTime(entry.at) + " " + entry.by_name + "：" + label(NAMES.statuses, entry.from) + " → " + label(NAMES.statuses, entry.to);
    }));
  }

  function renderMember(out, record) {
    var path = "staff/members/" + encodeURIComponent(record.id);
    out.appendChild(actionForm("liaison", record.liaison || {},
      function (values) { return call("PUT", path + "/liaison", values); }));
    var branch = actionForm("branch", record.branch ? { branch: record.branch.id, note: record.branch.note } : {},
      function (values) { return call("PUT", path + "/branch", values); });
    // Who assigned the branch, and when, as the member's record keeps it.
    if (record.branch) {
      var assigned = el("p", "sw-help",
        record.branch.name + " · " + chinaTime(record.branch.assigned_at) + " 由 " + record.branch.by_name + " 分配");
      assigned.setAttribute("data-staff-assigned", "");
      $("h3", branch).insertAdjacentElement("afterend", assigned);
    }
    out.appendChild(branch);
    out.appendChild(historyList("跟进记录", record.follow_ups, function (entry) {
      return entry.date + " " + entry.by_name + "：" + entry.note;
    }));
    out.appendChild(actionForm("follow-up", { date: chinaDate(0) },
      function (values) { return call("POST", path + "/follow-ups", values); }));
    out.appendChild(actionForm("transfer", record.transfer || { state: "not_started" },
      function (values) { return call("PUT", path + "/transfer", values); }));
  }

  function openRecord(record) {
    var out = $("[data-staff-detail]");
    out.textContent = "正在打开…";
    showTab("detail");
    var path = record.form === "request" ? "staff/requests/" + encodeURIComponent(record.ticket)
      : record.form === "registration" && me.role === "admin" ? "staff/members/" + encodeURIComponent(record.id) : null;
    if (!path) { render(record); return; }
    call("GET", path).then(function (answer) {
      if (!answer.ok) { out.textContent = problemText(answer); return; }
      render(answer.data);
    });
  }

  // A ticket as a member reads it out on the phone: any case, spaces or hyphens between
  // groups. Its letters and length come from the API's own definition (tickets.py).
  function ticketOf(text) {
    var ticket = text.replace(/[\s\-]/g, "").toUpperCase();
    var shape = new RegExp("^[" + NAMES.ticket.alphabet + "]{" + NAMES.ticket.length + "}$");
    return shape.test(ticket) ? ticket : null;
  }

  function openTicket(form) {
    var ticket = ticketOf(form.elements.namedItem("ticket").value);
    var unused = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").filter(function (character) {
      return NAMES.ticket.alphabet.indexOf(character) < 0;
    });
    showErrors(form, ticket ? {} : {
      ticket: "受理编号是 " + NAMES.ticket.length + " 位数字和字母（不含 " + unused.join("、") + "），请核对后再查"
    });
    if (ticket) openRecord({ form: "request", ticket: ticket });
  }

  /* ---- Export: a job, its progress, then a plain link ---- */

  // How often the console asks how far a background export has got.
  var EXPORT_POLL_MS = 1500;

  // A job id per tap, made here as sanwei.js makes a submission's: a retried request is the same job.
  function newJobId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // Form records through staff/exports; a form may name another route and place for the link.
  function exportFile(form, format, path, result) {
    var values = formValues(form);
    values.format = format;
    Object.keys(values).forEach(function (key) { if (!values[key]) delete values[key]; });
    // A form's records go through an export job (the id made once per tap); another route (the
    // service records') answers its file at once.
    if (!path) values.job = newJobId();
    result = result || $("[data-staff-export-result]");
    // A large export takes a while; a second tap must not start another meanwhile.
    var buttons = $all('button[name="format"]', form);
    buttons.forEach(function (button) { button.disabled = true; });
    say(result, "正在生成文件…", true);
    var finish = function (answer) {
      buttons.forEach(function (button) { button.disabled = false; });
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      showDownload(result, answer.data);
    };
    var follow = function (answer) {
      if (answer.status !== 202) { finish(answer); return; }
      // Too many records for one request: the server goes on in the background.
      result.setAttribute("data-staff-export-job", answer.data.job);
      say(result, "记录较多，正在后台生成：已写 " + answer.data.rows + " 行…", true);
      setTimeout(function () {
        call("GET", "staff/exports/" + answer.data.job).then(function (next) {
          // The network dropped for a moment: ask again, the job goes on meanwhile.
          follow(next.status === 0 ? answer : next);
        });
      }, EXPORT_POLL_MS);
    };
    call("POST", path || "staff/exports", values).then(follow);
  }

  function showDownload(result, job) {
    result.textContent = "";
    result.className = "sw-result is-ok";
    var link = el("a", "md-button md-button--primary", "下载 " + job.filename);
    link.href = job.url;
    link.setAttribute("data-staff-download", "");
    link.rel = "noopener";
    result.appendChild(link);
    result.appendChild(el("span", "sw-help", " 共 " + job.rows + " 行；链接到 " + chinaTime(job.expires_at).slice(11) + " 前有效"));
  }

  /* ---- The office's report: figures beside the period before, charts, A4 print, workbook ---- */

  // Chart.js is large for a phone: it is fetched (from this site) only when the report opens.
  var chartLibrary = null;
  function loadChartLibrary() {
    if (!chartLibrary) {
      chartLibrary = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root.getAttribute("data-chart-script");
        script.onload = function () { resolve(window.Chart); };
        script.onerror = function () { chartLibrary = null; reject(new Error("chart library")); };
        document.head.appendChild(script);
      });
    }
    return chartLibrary;
  }

  function change(figure) {
    if (figure.value === null || figure.previous === null) return "—";
    var difference = Math.round((figure.value - figure.previous) * 10) / 10;
    return difference > 0 ? "+" + difference : String(difference);
  }

  function reportTable(section) {
    var table = el("table", "sw-report-table");
    var head = el("tr");
    [section.title, "本期", "上期", "变化"].forEach(function (text) { head.appendChild(el("th", null, text)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    section.figures.forEach(function (figure) {
      var row = el("tr");
      row.setAttribute("data-figure", figure.key);
      row.appendChild(el("th", null, figure.label + "（" + figure.unit + "）"));
      row.appendChild(el("td", null, figure.value === null ? "—" : figure.value));
      row.appendChild(el("td", null, figure.previous === null ? "—" : figure.previous));
      row.appendChild(el("td", null, change(figure)));
      body.appendChild(row);
    });
    table.appendChild(body);
    return table;
  }

  // One chart: bars with their counts, a single week or lesson drawn as one bar of the usual width.
  function reportChart(Chart, box, title, rows, names, horizontal) {
    var figure = el("figure", "sw-report-chart");
    figure.appendChild(el("figcaption", null, title));
    var frame = el("div", "sw-report-canvas");
    // Horizontal bars get a line each, so every name stays readable however many there are.
    frame.style.height = horizontal ? Math.min(24 * Math.max(rows.length, 1) + 40, 320) + "px" : "180px";
    var canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", title + "：" + rows.map(function (row) { return label(names, row.key) + " " + row.count; }).join("，"));
    frame.appendChild(canvas);
    figure.appendChild(frame);
    box.appendChild(figure);
    if (!rows.length) { frame.replaceWith(el("p", "sw-help", "没有数据")); return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return names ? label(names, row.key) : row.key; }),
        datasets: [{ data: rows.map(function (row) { return row.count; }), backgroundColor: "#c62828", maxBarThickness: 28 }]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function duplicatesList(groups) {
    var box = el("div", "sw-report-duplicates");
    box.appendChild(el("h3", null, "可能重复的登记（同一手机号登记了不止一次）"));
    box.appendChild(el("p", "sw-help", "归队人数已按手机号去重。请打开核对，是同一人就只在最早那条上跟进。"));
    var list = el("ul", "sw-staff-list");
    groups.forEach(function (group) {
      var item = el("li");
      group.registrations.forEach(function (record) {
        var button = el("button", "md-button", chinaTime(record.created_at));
        button.type = "button";
        button.addEventListener("click", function () { openRecord({ form: "registration", id: record.id }); });
        item.appendChild(button);
      });
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function loadReport() {
    var form = $("[data-staff-report]");
    var out = $("[data-staff-report-result]");
    out.textContent = "正在统计…";
    call("GET", "staff/report" + query(formValues(form))).then(function (answer) {
      out.textContent = "";
      showErrors(form, answer.data.errors);
      if (!answer.ok) { out.appendChild(el("p", "sw-result is-error", problemText(answer))); return; }
      var report = answer.data;
      out.appendChild(el("h2", null, "工作报告"));
      out.appendChild(el("p", "sw-help", "本期 " + report.from + " 至 " + report.to + "；上期 " + report.previous_from + " 至 " + report.previous_to + "。归队党员的结对、转接按现在的情况统计。"));
      var tables = el("div", "sw-report-tables");
      report.sections.forEach(function (section) { tables.appendChild(reportTable(section)); });
      out.appendChild(tables);
      var charts = el("div", "sw-report-charts");
      out.appendChild(charts);
      if (report.duplicates.length) out.appendChild(duplicatesList(report.duplicates));
      loadChartLibrary().then(function (Chart) {
        reportChart(Chart, charts, "每周归队（按周一日期）", report.charts.members_by_week, null, false);
        reportChart(Chart, charts, "每月举办的活动", report.charts.activities_by_month, null, false);
        reportChart(Chart, charts, "各课学习人次", report.charts.study_by_lesson, NAMES.lessons, true);
        reportChart(Chart, charts, "各驿站签到人次", report.charts.checkins_by_station, NAMES.stations, true);
        charts.setAttribute("data-drawn", "");
      }, function () {
        charts.appendChild(el("p", "sw-result is-error", "图表没有加载出来，数字不受影响；请检查网络后刷新。"));
      });
    });
  }

  function reportFile() {
    var form = $("[data-staff-report]");
    var result = $("[data-staff-report-file-result]");
    var button = $("[data-staff-report-file]");
    button.disabled = true;
    say(result, "正在生成 Excel 文件…", true);
    call("POST", "staff/report/file", formValues(form)).then(function (answer) {
      button.disabled = false;
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      result.textContent = "";
      result.className = "sw-result is-ok";
      var link = el("a", "md-button md-button--primary", "下载 " + answer.data.filename);
      link.href = answer.data.url;
      link.rel = "noopener";
      link.setAttribute("data-staff-download", "");
      result.appendChild(link);
    });
  }

  /* ---- Activities: sign-ups, waiting list, attendance; marking and exporting them ---- */

  function loadActivities() {
    var list = $("[data-staff-activities]");
    var result = $("[data-staff-activities-result]");
    say(result, "正在读取…", true);
    call("GET", "staff/activities").then(function (answer) {
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      list.textContent = "";
      say(result, answer.data.items.length ? "" : "还没有您能查看的活动", true);
      answer.data.items.forEach(function (activity) {
        var button = el("button", "sw-staff-item");
        button.type = "button";
        button.setAttribute("data-staff-open-activity", activity.id);
        button.appendChild(el("strong", null, activity.title));
        var places = "已报名 " + activity.signed + (activity.capacity ? " / " + activity.capacity : "") + " 人";
        button.appendChild(el("span", null, places + (activity.waiting ? " · 候补 " + activity.waiting + " 人" : "")));
        button.appendChild(el("small", null, activity.start.slice(0, 16).replace("T", " ")));
        button.addEventListener("click", function () { openActivity(activity.id); });
        var item = el("li");
        item.appendChild(button);
        list.appendChild(item);
      });
    });
  }

  function openActivity(id, notice) {
    var out = $("[data-staff-activity]");
    call("GET", "staff/activities/" + encodeURIComponent(id)).then(function (answer) {
      out.textContent = "";
      if (!answer.ok) { out.appendChild(el("p", "sw-result is-error", problemText(answer))); return; }
      var a = answer.data;
      out.appendChild(el("h3", null, a.activity.title));
      if (notice) out.appendChild(el("p", "sw-result is-ok", notice)).setAttribute("data-staff-notice", "");
      out.appendChild(signupList("报名（" + a.signups.length + " 人）", a.signups, id));
      out.appendChild(signupList("候补名单（" + a.waiting.length + " 人）", a.waiting, id));
      out.appendChild(historyList("签到（" + a.attendance.length + " 人次）", a.attendance, function (entry) {
        var who = entry.by_name ? "，" + entry.by_name + "代签" : "";
        return chinaTime(entry.data.scanned_at) + " · " + label(NAMES.ways, entry.data.way) + who;
      }));
      var exports = el("p", "sw-staff-activity-exports");
      Object.keys(NAMES.activity_lists).forEach(function (list) {
        ["csv", "xlsx"].forEach(function (format) {
          var button = el("button", "md-button", "导出" + NAMES.activity_lists[list] + "（" + format.toUpperCase() + "）");
          button.type = "button";
          button.setAttribute("data-staff-activity-export", list + "." + format);
          button.addEventListener("click", function () { exportActivity(id, list, format, result); });
          exports.appendChild(button);
        });
      });
      var result = el("p", "sw-result");
      result.setAttribute("role", "status");
      out.appendChild(exports);
      out.appendChild(result);
    });
  }

  function signupList(title, signups, activityId) {
    var box = el("div", "sw-staff-history");
    box.appendChild(el("h3", null, title));
    var list = el("ul");
    signups.forEach(function (signup) {
      var data = signup.data;
      var item = el("li", null, "第 " + signup.place + " 位 · " + data.name + " · " + data.mobile + " · ");
      if (signup.attended) {
        item.appendChild(el("strong", null, "已签到"));
      } else if (signup.status !== "waiting") {
        var mark = el("button", "md-button", "标记签到");
        mark.type = "button";
        mark.setAttribute("data-staff-mark", signup.id);
        mark.addEventListener("click", function () {
          mark.disabled = true;
          call("POST", "staff/activities/" + encodeURIComponent(activityId) + "/attendance", { signup: signup.id }).then(function (answer) {
            if (!answer.ok) { mark.disabled = false; say(item, problemText(answer), false); return; }
            openActivity(activityId, "已标记 " + data.name + " 签到");
          });
        });
        item.appendChild(mark);
      }
      list.appendChild(item);
    });
    if (!list.children.length) list.appendChild(el("li", "sw-help", "还没有"));
    box.appendChild(list);
    return box;
  }

  function exportActivity(id, list, format, result) {
    say(result, "正在生成文件…", true);
    call("POST", "staff/activities/" + encodeURIComponent(id) + "/exports", { list: list, format: format }).then(function (answer) {
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      result.textContent = "";
      result.className = "sw-result is-ok";
      var link = el("a", "md-button md-button--primary", "下载 " + answer.data.filename);
      link.href = answer.data.url;
      link.setAttribute("data-staff-download", "");
      link.rel = "noopener";
      result.appendChild(link);
      result.appendChild(el("span", "sw-help", " 共 " + answer.data.rows + " 行"));
    });
  }

  /* ---- One person: everything stored, and erasing it ---- */

  function findPerson(form) {
    var out = $("[data-staff-people-result]");
    var values = formValues(form);
    out.textContent = "正在查找…";
    call("GET", "staff/people" + query(values)).then(function (answer) {
      out.textContent = "";
      showErrors(form, answer.data.errors);
      if (!answer.ok) { out.appendChild(el("p", "sw-result is-error", problemText(answer))); return; }
      out.appendChild(el("p", null, "手机号码 " + answer.data.mobile + " 共有 " + answer.data.records.length + " 条记录："));
      answer.data.records.forEach(function (record) {
        var box = el("div", "sw-staff-person");
        box.appendChild(el("h3", null, NAMES.forms[record.form] + (record.ticket ? " " + record.ticket : "")));
        box.appendChild(facts(record));
        out.appendChild(box);
      });
      var erase = el("button", "md-button sw-danger", "删除此人的全部信息");
      erase.type = "button";
      erase.addEventListener("click", function () {
        if (!window.confirm("确定删除手机号码 " + answer.data.mobile + " 的全部 " + answer.data.records.length + " 条记录？删除后不能恢复。")) return;
        call("DELETE", "staff/people" + query({ mobile: answer.data.mobile })).then(function (gone) {
          out.textContent = "";
          out.appendChild(el("p", "sw-result " + (gone.ok ? "is-ok" : "is-error"),
            gone.ok ? "已删除 " + gone.data.count + " 条记录。" : problemText(gone)));
        });
      });
      out.appendChild(erase);
    });
  }

  /* ---- The audit log ---- */

  function loadAudit(more) {
    var form = $("[data-staff-audit]");
    var values = formValues(form);
    if (more && auditCursor) values.cursor = auditCursor;
    var list = $("[data-staff-audit-items]");
    if (!more) list.textContent = "";
    call("GET", "staff/audit" + query(values)).then(function (answer) {
      showErrors(form, answer.data.errors);
      if (!answer.ok) { list.appendChild(el("li", "sw-result is-error", problemText(answer))); return; }
      answer.data.items.forEach(function (entry) {
        var item = el("li");
        item.appendChild(el("strong", null, chinaTime(entry.at) + " " + entry.by_name));
        // A token's entry names whose token it was; others count the records touched.
        var what = entry.action.indexOf("token.") === 0 ? "：" + entry.detail.name : " · " + entry.record_count + " 条记录";
        item.appendChild(el("span", null, label(ACTIONS, entry.action) + what));
        list.appendChild(item);
      });
      auditCursor = answer.data.cursor;
      $("[data-staff-audit-more]").hidden = !auditCursor;
      if (!list.children.length) list.appendChild(el("li", "sw-help", "这段时间没有操作记录"));
    });
  }

  /* ---- Colleagues: their tokens, a new one shown once, revoking ---- */

  function roleText(token) {
    var text = label(NAMES.roles, token.role);
    if (token.stations.length) text += "（" + token.stations.map(function (id) { return label(NAMES.stations, id); }).join("、") + "）";
    return text;
  }

  function tokenItem(token) {
    var item = el("li", "sw-staff-token");
    item.setAttribute("data-token", token.id);
    item.appendChild(el("strong", null, token.name + " · " + roleText(token)));
    var expired = new Date(token.expires_at).getTime() <= Date.now();
    var state = token.revoked_at ? "已停用 " + chinaTime(token.revoked_at)
      : expired ? "已过期 " + chinaTime(token.expires_at) : "有效，" + chinaTime(token.expires_at) + " 到期";
    item.appendChild(el("span", null, state + " · 发放于 " + chinaTime(token.created_at) + " · 编号 " + token.id));
    if (token.id === me.id) {
      item.appendChild(el("small", null, "您正在使用这个令牌"));
    } else if (!token.revoked_at) {
      var revoke = el("button", "md-button sw-danger", "停用");
      revoke.type = "button";
      revoke.setAttribute("data-staff-revoke", token.id);
      revoke.addEventListener("click", function () { revokeToken(token, revoke); });
      item.appendChild(revoke);
    }
    return item;
  }

  function loadTokens(notice) {
    var list = $("[data-staff-tokens]");
    var result = $("[data-staff-tokens-result]");
    say(result, "正在读取…", true);
    call("GET", "staff/tokens").then(function (answer) {
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      list.textContent = "";
      answer.data.items.forEach(function (token) { list.appendChild(tokenItem(token)); });
      say(result, notice || "共 " + answer.data.items.length + " 个令牌", true);
    });
  }

  function revokeToken(token, button) {
    if (!window.confirm("确定停用 " + token.name + " 的令牌？停用后立刻不能再登录，不能恢复；需要时请重新发放。")) return;
    button.disabled = true;
    call("DELETE", "staff/tokens/" + encodeURIComponent(token.id)).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { say($("[data-staff-tokens-result]"), problemText(answer), false); return; }
      loadTokens("已停用 " + token.name + " 的令牌");
    });
  }

  // Only a station token names stations: the choice is hidden for an admin's.
  function showStationsForRole(form) {
    var stations = form.elements.namedItem("stations");
    var admin = form.elements.namedItem("role").value === "admin";
    stations.closest(".sw-field").hidden = admin;
    if (admin) $all("option", stations).forEach(function (option) { option.selected = false; });
  }

  function createToken(form) {
    var values = formValues(form);
    if (values.role === "admin") delete values.stations;
    var send = $("button[type=submit]", form);
    var result = $("[data-staff-result]", form);
    send.disabled = true;
    say(result, "正在发放…", true);
    call("POST", "staff/tokens", values).then(function (answer) {
      send.disabled = false;
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      say(result, "", true);
      form.reset();
      resetTokenForm(form);
      showNewToken(answer.data);
      loadTokens();
    });
  }

  function resetTokenForm(form) {
    // The least a colleague needs: a station token, for a month.
    form.elements.namedItem("role").value = "station";
    form.elements.namedItem("days").value = "30";
    showStationsForRole(form);
  }

  // The answer carries the token this once; it stays on the page only until it is closed or staff sign out.
  function showNewToken(issued) {
    var box = $("[data-staff-new-token]");
    $("[data-staff-new-token-name]", box).textContent = issued.name;
    $("[data-staff-new-token-value]", box).value = issued.token;
    say($("[data-staff-copy-result]", box), "", true);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function forgetNewToken() {
    var box = $("[data-staff-new-token]");
    $("[data-staff-new-token-value]", box).value = "";
    box.hidden = true;
  }

  // The clipboard API needs a secure page and a browser that has it; elsewhere (the WeChat
  // browser) the selected text is copied the old way, or staff long-press it.
  function copyNewToken() {
    var field = $("[data-staff-new-token-value]");
    var result = $("[data-staff-copy-result]");
    function copied() { say(result, "已复制。请交给本人，不要发到群里。", true); }
    function byHand() {
      field.focus();
      field.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      if (done) copied(); else say(result, "没能自动复制：令牌已选中，请长按它复制。", false);
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(copied, byHand);
    else byHand();
  }

  /* ---- Volunteer teams: totals by team, a team's records, recording service ---- */

  function loadTotals() {
    var form = $("[data-staff-totals]");
    var out = $("[data-staff-totals-result]");
    var values = formValues(form);
    say(out, "正在统计…", true);
    $("[data-staff-team-records]").textContent = "";
    call("GET", "staff/service/totals" + query(values)).then(function (answer) {
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(out, problemText(answer), false); return; }
      out.textContent = "";
      var table = el("table", "sw-staff-totals");
      var head = el("tr");
      ["服务队", "记录", "次数/趟数", "时长（小时）", "人次"].forEach(function (name) { head.appendChild(el("th", null, name)); });
      table.appendChild(head);
      function row(name, counts, team) {
        var line = el("tr");
        var first = el("td");
        if (team) {
          var open = el("button", "sw-staff-link", name);
          open.type = "button";
          open.addEventListener("click", function () { loadTeamRecords(team, name, values); });
          first.appendChild(open);
        } else {
          first.appendChild(el("strong", null, name));
        }
        line.appendChild(first);
        [counts.records, counts.times, counts.hours, counts.people].forEach(function (n) { line.appendChild(el("td", null, String(n))); });
        table.appendChild(line);
      }
      answer.data.teams.forEach(function (team) { row(team.name, team, team.team); });
      row("合计", answer.data.total, null);
      out.appendChild(el("p", "sw-help", answer.data.from + " 至 " + answer.data.to + "，只计已确认的记录"));
      out.appendChild(table);
    });
  }

  function loadTeamRecords(team, name, values) {
    var out = $("[data-staff-team-records]");
    say(out, "正在打开…", true);
    call("GET", "staff/teams/" + encodeURIComponent(team) + "/service" + query(values)).then(function (answer) {
      if (!answer.ok) { say(out, problemText(answer), false); return; }
      out.textContent = "";
      out.appendChild(el("h3", null, name + "的服务记录"));
      var list = el("ul", "sw-staff-list");
      answer.data.items.forEach(function (item) {
        var line = el("li");
        line.appendChild(el("strong", null, item.date + " " + item.what));
        line.appendChild(el("span", null, " " + item.times + " 次 · " + item.hours + " 小时 · " + item.people + " 人" +
          (item.source === "report" ? " · 党员上报" : " · " + item.by_name + "记录")));
        list.appendChild(line);
      });
      if (!list.children.length) list.appendChild(el("li", "sw-help", "这段时间没有记录"));
      out.appendChild(list);
    });
  }

  function recordService(form) {
    var result = $("[data-staff-result]", form);
    say(result, "正在保存…", true);
    call("POST", "staff/service", formValues(form)).then(function (answer) {
      showErrors(form, answer.data.errors);
      if (!answer.ok) { say(result, problemText(answer), false); return; }
      say(result, "已记下：" + label(NAMES.teams, answer.data.team) + " " + answer.data.date + " " + answer.data.what, true);
      ["what", "times", "hours", "people"].forEach(function (name) { form.elements.namedItem(name).value = ""; });
    });
  }

  /* ---- Wiring ---- */

  function start() {
    $("[data-staff-signin]").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = $("#staff-token").value.trim();
      if (!token) { say($("[data-staff-signin-result]"), "请填写令牌", false); return; }
      signIn(token).then(function () { $("#staff-token").value = ""; });
    });
    $("[data-staff-signout]").addEventListener("click", function () { signOut(); });
    $("[data-staff-stats]").addEventListener("submit", function (event) { event.preventDefault(); loadStats(); });
    $("[data-staff-list]").addEventListener("submit", function (event) { event.preventDefault(); loadList(false); });
    $("[data-staff-more]").addEventListener("click", function () { loadList(true); });
    $("[data-staff-back]").addEventListener("click", function () { showTab("records"); });
    $("[data-staff-ticket]").addEventListener("submit", function (event) { event.preventDefault(); openTicket(event.target); });
    // An open record leaves the address at the tab it came from, so a tap on that tab changes
    // no hash: show the tab here rather than wait for a hashchange that never comes.
    $all("[data-tab]").forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        var name = tab.getAttribute("data-tab");
        if (location.hash !== "#" + name) return;
        event.preventDefault();
        showTab(name);
      });
    });
    var exportForm = $("[data-staff-export]");
    var chosen = "csv";
    $all("button[name=format]", exportForm).forEach(function (button) {
      button.addEventListener("click", function () { chosen = button.value; });
    });
    exportForm.addEventListener("submit", function (event) {
      event.preventDefault();
      exportFile(exportForm, (event.submitter && event.submitter.value) || chosen);
    });
    $("[data-staff-report]").addEventListener("submit", function (event) { event.preventDefault(); loadReport(); });
    $("[data-staff-report-file]").addEventListener("click", reportFile);
    $("[data-staff-report-print]").addEventListener("click", function () { window.print(); });
    $("[data-staff-people]").addEventListener("submit", function (event) { event.preventDefault(); findPerson(event.target); });
    $("[data-staff-audit]").addEventListener("submit", function (event) { event.preventDefault(); loadAudit(false); });
    $("[data-staff-audit-more]").addEventListener("click", function () { loadAudit(true); });
    var tokenForm = $("[data-staff-token-form]");
    resetTokenForm(tokenForm);
    tokenForm.elements.namedItem("role").addEventListener("change", function () { showStationsForRole(tokenForm); });
    tokenForm.addEventListener("submit", function (event) { event.preventDefault(); createToken(tokenForm); });
    $("[data-staff-copy]").addEventListener("click", copyNewToken);
    var totalsForm = $("[data-staff-totals]");
    totalsForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var format = event.submitter && event.submitter.name === "format" ? event.submitter.value : null;
      if (format) exportFile(totalsForm, format, "staff/service/exports", $("[data-staff-service-export-result]"));
      else loadTotals();
    });
    $("[data-staff-service-form]").addEventListener("submit", function (event) { event.preventDefault(); recordService(event.target); });
    $("[data-staff-new-token-done]").addEventListener("click", forgetNewToken);
    window.addEventListener("hashchange", function () { if (me) showTab(location.hash.slice(1)); });
    var token = readToken();
    if (token) signIn(token, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
