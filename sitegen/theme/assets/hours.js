/* Opening hours in China's time, for the station pages and the stations list: whether a
 * station is open now, and when it closes or opens next. One copy of the rule, so a
 * station's page and the finder never disagree (the hours come from WeekHours.to_json()).
 * Its Python twin is WeekHours.open_state (sitegen/hours.py); tests run one table of cases
 * through both. The constants (China's UTC offset, day names, the words) are the ones
 * hours.page_rule() gives, written into the page by the build; none is written here again.
 * Sets window.sanweiHours; the scripts that use it load after it. */
(function () {
  "use strict";

  var ruleScript = document.querySelector("script[data-sanwei-hours-rule]");
  // Without the rule (a page saved before it was written in) the page shows the hours table only.
  if (!ruleScript) return;
  var RULE = JSON.parse(ruleScript.textContent);
  var DAY = RULE.minutesPerDay;
  var WEEK = RULE.dayNames.length * DAY;
  var WORDS = RULE.words;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Stations keep China's time, whatever the phone is set to.
  // Minutes since Monday 00:00, China time.
  function chinaWeekMinute() {
    var china = new Date(Date.now() + RULE.utcOffsetMinutes * 60 * 1000);
    return ((china.getUTCDay() + 6) % 7) * DAY + china.getUTCHours() * 60 + china.getUTCMinutes();
  }

  /* The week's opening hours (Monday..Sunday, each [[open, close], ...] in minutes, as
   * WeekHours.to_json() writes them) laid out over three weeks, last week to next, with
   * touching spans joined: so a night that runs past midnight, or past Sunday into Monday,
   * is one span, and "closes at" and "opens at" need no special case. */
  function weekSpans(days) {
    var spans = [];
    for (var week = -1; week <= 1; week++) {
      days.forEach(function (day, d) {
        day.forEach(function (span) {
          var start = week * WEEK + d * DAY + span[0];
          var end = week * WEEK + d * DAY + span[1];
          var last = spans[spans.length - 1];
          if (last && start <= last[1]) last[1] = Math.max(last[1], end);
          else spans.push([start, end]);
        });
      });
    }
    return spans;
  }

  function when(minute, now) {
    var days = Math.floor(minute / DAY) - Math.floor(now / DAY);
    var clock = ((minute % DAY) + DAY) % DAY;
    var time = pad(Math.floor(clock / 60)) + ":" + pad(clock % 60);
    if (days === 0) return time;
    if (days === 1) return WORDS.tomorrow + " " + time;
    var name = RULE.dayNames[Math.floor((((minute % WEEK) + WEEK) % WEEK) / DAY)];
    return (days >= 7 ? WORDS.next_week : "") + name + " " + time;
  }

  /* [is it open, "营业中 · 20:00 关门" or "已休息 · 明天 08:00 开门"] at week minute `now`. */
  function openState(spans, now) {
    for (var i = 0; i < spans.length; i++) {
      var span = spans[i];
      if (span[0] <= now && now < span[1]) {
        if (span[1] - span[0] >= 2 * WEEK) return [true, WORDS.open + " · " + WORDS.all_day];
        // A span that ends at midnight closes "24:00" today rather than "明天 00:00".
        var closes = span[1] % DAY === 0 && span[1] - now <= DAY ? WORDS.midnight : when(span[1], now);
        return [true, WORDS.open + " · " + closes + " " + WORDS.closes];
      }
      if (span[0] > now) return [false, WORDS.closed + " · " + when(span[0], now) + " " + WORDS.opens];
    }
    return [false, WORDS.closed];
  }

  window.sanweiHours = { chinaWeekMinute: chinaWeekMinute, weekSpans: weekSpans, openState: openState };
})();
