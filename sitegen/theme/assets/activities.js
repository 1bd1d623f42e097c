/* Activities in China's time, as the phone's clock says now: the build sorted them into
 * upcoming and past when it ran, and a page may be read days later. An activity that has
 * ended since moves to the past list (or, on the home page, goes); one on today's date is
 * marked 今天, or 进行中 while it runs. Times come from the page (data-start, data-end:
 * ISO 8601 with China's +08:00) and China's offset from the list (data-utc-offset-minutes,
 * hours.page_rule()'s), so the phone's own time zone plays no part. */
(function () {
  "use strict";

  var past = document.querySelector("[data-sanwei-past]");
  var upcoming = document.querySelector("[data-sanwei-upcoming]");
  if (!upcoming) return;
  var offset = Number(upcoming.getAttribute("data-utc-offset-minutes")) * 60 * 1000;

  function chinaDay(ms) { return new Date(ms + offset).toISOString().slice(0, 10); }

  var now = Date.now();
  var today = chinaDay(now);

  Array.prototype.slice.call(upcoming.querySelectorAll("[data-sanwei-activity]")).forEach(function (item) {
    var start = Date.parse(item.getAttribute("data-start"));
    var end = Date.parse(item.getAttribute("data-end"));
    if (end <= now) {
      if (past) past.insertBefore(item, past.firstChild);
      else item.remove();
      return;
    }
    var label = start <= now ? "进行中" : chinaDay(start) === today ? "今天" : "";
    if (label) {
      var mark = document.createElement("em");
      mark.className = "sw-today";
      mark.textContent = label;
      item.querySelector("a").insertBefore(mark, item.querySelector("a").firstChild);
    }
  });
  var none = document.querySelector("[data-sanwei-none]");
  if (none) none.hidden = upcoming.children.length > 0;
})();
