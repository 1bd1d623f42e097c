/* Added to pages by `build.py serve` only (never part of the built site): reload the page
 * when the site has been rebuilt, and while the content is broken show what is wrong on the
 * page itself, over the last good build. */
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = { version: Number(script.dataset.version), problems: JSON.parse(script.dataset.problems) };
  var BANNER_ID = "sanwei-preview-problems";

  function show(problems) {
    var banner = document.getElementById(BANNER_ID);
    if (banner) banner.remove();
    if (!problems.length) return;
    banner = document.createElement("div");
    banner.id = BANNER_ID;
    banner.setAttribute("role", "alert");
    banner.style.cssText = "position:fixed;z-index:10000;inset:0 0 auto 0;max-height:60vh;overflow:auto;" +
      "padding:12px 16px;background:#b71c1c;color:#fff;font:14px/1.5 system-ui,sans-serif;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.4)";
    var heading = document.createElement("strong");
    heading.textContent = "内容有问题，网站没有更新（下面仍是上一次生成的页面）。请按文件和行号改好后保存：";
    var list = document.createElement("pre");
    list.style.cssText = "margin:8px 0 0;white-space:pre-wrap;font:13px/1.5 ui-monospace,monospace";
    list.textContent = problems.join("\n");
    banner.append(heading, list);
    document.body.append(banner);
  }

  function wait() {
    fetch("/.preview/wait", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(shown),
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (now) {
      if (now.version !== shown.version) {
        location.reload();
        return;
      }
      shown.problems = now.problems;
      show(now.problems);
      wait();
    }).catch(function () {
      // `serve` restarting, or stopped: ask again in a moment.
      setTimeout(wait, 1000);
    });
  }

  show(shown.problems);
  wait();
})();
