/* The finder, on the stations list and the branches list: nearest first once the member
 * asks, map links and, where the list has them (stations), "open now" and when it closes
 * or opens, and a filter by service. The page names what it lists in data-finder-noun.
 *
 * Without this script the list is still complete enough to use: every station's name,
 * address, hours, services, page and phone. Location is asked for only when the member
 * presses the button, never on page load.
 *
 * One coordinate system: the build writes each station's position in GCJ-02 (data-lat,
 * data-lng), the system Amap and Tencent maps take, so the map links are made from it
 * as it is; the phone's WGS-84 fix is converted to GCJ-02 once, here, by the same
 * published formula as sitegen/geo.py (tests hold both to the same point pairs), and
 * distances are measured between GCJ-02 points. GCJ-02 stretches distances by under 1%
 * (tests/test_geo.py), far less than a phone's GPS error. Writing WGS-84 too, or the map
 * links, into the page would cost a third more bytes with 500 stations. */
(function () {
  "use strict";

  // assets/hours.js, loaded just before this script on a list whose places have hours.
  var hours = window.sanweiHours;
  var EARTH_RADIUS_M = 6371008.8; // IUGG mean radius, as sitegen/geo.py
  // GCJ-02 is defined on the Krasovsky 1940 ellipsoid.
  var KRASOVSKY_A = 6378245.0;
  var KRASOVSKY_EE = 0.00669342162296594323;
  var REFRESH_MS = 60 * 1000;

  var list = document.querySelector("[data-finder-list]");
  var finder = document.querySelector("[data-finder]");
  if (!list || !finder) return;
  var hasHours = list.querySelector("[data-hours]") !== null;
  // Without the hours rule (hours.js found none in the page) the plain list stays as it is.
  if (hasHours && !hours) return;
  var noun = finder.getAttribute("data-finder-noun");
  var statusLine = finder.querySelector("[data-finder-status]");
  var countLine = finder.querySelector("[data-finder-count]");
  var openNowBox = finder.querySelector("[data-finder-open-now]");
  var serviceBoxes = Array.prototype.slice.call(finder.querySelectorAll("[data-finder-service]"));
  var filterBoxes = serviceBoxes.concat(openNowBox ? [openNowBox] : []);

  // Map links are made as stations scroll into view: making 1,000 links for 500 stations
  // at start-up would hold a cheap phone's main thread for nothing.
  var linkOnSight = window.IntersectionObserver && new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      linkOnSight.unobserve(entry.target);
      addStationMapLinks(entry.target);
    });
  }, { rootMargin: "600px 0px" });

  function addStationMapLinks(item) {
    if (!item.isConnected) return;
    var box = item.querySelector(".sw-acts");
    if (box.children.length > 1) return;
    addMapLinks(box, item.querySelector("strong").textContent, item.getAttribute("data-lat"), item.getAttribute("data-lng"));
  }

  var more = document.querySelector("[data-finder-more]");
  var moreLine = document.querySelector("[data-finder-more-line]");
  var items = Array.prototype.slice.call(list.children);
  if (more) items = items.concat(Array.prototype.slice.call(more.content.children));

  var stations = items.map(function (item) {
    var lat = item.getAttribute("data-lat");
    var lng = item.getAttribute("data-lng");
    if (!item.isConnected) {
      // Waiting in the template: its links are made when it joins the list.
    } else if (linkOnSight) linkOnSight.observe(item);
    else addStationMapLinks(item);
    return {
      item: item,
      state: item.querySelector(".sw-state"),
      lat: parseFloat(lat),
      lng: parseFloat(lng),
      services: null, // read when the member first filters: see servicesOf
      spans: hasHours ? hours.weekSpans(JSON.parse(item.getAttribute("data-hours"))) : null,
      open: false,
      distance: null,
    };
  });

  /* ---- Coordinates and map links, as sitegen/geo.py makes them ---- */

  function outsideChina(lat, lng) {
    // The rectangle every published implementation uses; outside it GCJ-02 equals WGS-84.
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }

  function wgs84ToGcj02(lat, lng) {
    if (outsideChina(lat, lng)) return [lat, lng];
    var PI = Math.PI;
    var x = lng - 105.0;
    var y = lat - 35.0;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common +
      (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common +
      (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI;
    var magic = 1 - KRASOVSKY_EE * Math.pow(Math.sin(radLat), 2);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic) * PI);
    dLng = (dLng * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * PI);
    return [lat + dLat, lng + dLng];
  }

  // Python's urllib.parse.quote(text, safe), so the links are the very ones geo.py makes.
  function quote(text, safe) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%(2C|3A|3B)/g, function (escaped, hex) {
      var c = String.fromCharCode(parseInt(hex, 16));
      return safe.indexOf(c) >= 0 ? c : escaped;
    });
  }

  // lat and lng are GCJ-02 with six decimals, as the build wrote them.
  function mapLinks(name, lat, lng) {
    // Tencent's marker value is "key:value;key:value": a name keeps its ; and : full-width.
    var marker = "coord:" + lat + "," + lng + ";title:" + name.replace(/;/g, "；").replace(/:/g, "：");
    return [
      ["高德地图", "https://uri.amap.com/marker?position=" + lng + "," + lat + "&name=" + quote(name, ",") +
        "&coordinate=gaode&callnative=1"],
      ["腾讯地图", "https://apis.map.qq.com/uri/v1/marker?marker=" + quote(marker, ",:;") + "&referer=sanwei"],
    ];
  }

  function addMapLinks(box, name, lat, lng) {
    mapLinks(name, lat, lng).forEach(function (link) {
      var a = document.createElement("a");
      a.href = link[1];
      a.textContent = link[0];
      box.appendChild(a);
    });
  }

  /* ---- Nearest first ---- */

  function haversine(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180;
    var dPhi = (lat2 - lat1) * rad;
    var dLambda = (lng2 - lng1) * rad;
    var h = Math.pow(Math.sin(dPhi / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLambda / 2), 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function distanceText(metres) {
    // Finer than a phone's GPS can tell would be make-believe.
    if (metres < 50) return "50 米内";
    if (metres < 1000) return Math.round(metres / 10) * 10 + " 米";
    if (metres < 100000) return (metres / 1000).toFixed(1) + " 公里";
    return Math.round(metres / 1000) + " 公里";
  }

  /* ---- What each station shows, and the filter ---- */

  function showState(station) {
    if (station.spans) {
      var state = hours.openState(station.spans, hours.chinaWeekMinute());
      station.open = state[0];
      station.state.className = "sw-state " + (state[0] ? "is-open" : "is-closed");
      station.state.textContent = state[1];
    } else {
      // A place without hours: its line shows the distance alone, once there is one.
      station.state.textContent = "";
    }
    if (station.distance !== null) {
      var distance = document.createElement("span");
      distance.textContent = (station.spans ? " · " : "距离 ") + distanceText(station.distance);
      station.state.appendChild(distance);
    }
  }

  // Read when the member first filters, not at start-up.
  function servicesOf(station) {
    if (!station.services) {
      station.services = station.item.querySelector(".sw-services").getAttribute("data-services").split(" ");
    }
    return station.services;
  }

  // Past the first stations, the page keeps the rest in a <template>: parsed, not laid
  // out (the template says why). They join the list when the member sorts, filters or
  // asks for them.
  function isPending(station) { return !station.item.isConnected; }

  function revealAll() {
    var waiting = stations.filter(isPending);
    if (!waiting.length) return;
    var items = document.createDocumentFragment();
    waiting.forEach(function (station) {
      items.appendChild(station.item);
      showState(station);
      if (linkOnSight) linkOnSight.observe(station.item);
    });
    list.appendChild(items);
    if (!linkOnSight) waiting.forEach(function (station) { addStationMapLinks(station.item); });
    if (moreLine) moreLine.hidden = true;
  }

  function filterIsOn() {
    return filterBoxes.some(function (box) { return box.checked; });
  }

  function applyFilter() {
    revealAll();
    var wanted = serviceBoxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    var openOnly = Boolean(openNowBox && openNowBox.checked);
    var shown = 0;
    stations.forEach(function (station) {
      var keep = (!openOnly || station.open) && wanted.every(function (service) {
        return servicesOf(station).indexOf(service) >= 0;
      });
      station.item.hidden = !keep;
      if (keep) shown++;
    });
    filterBoxes.forEach(function (box) {
      box.parentNode.classList.toggle("is-on", box.checked);
    });
    var filtered = openOnly || wanted.length > 0;
    if (!filtered) countLine.textContent = "";
    else if (shown) countLine.textContent = "符合条件的" + noun + " " + shown + " 个（共 " + stations.length + " 个）";
    else countLine.textContent = "没有符合全部条件的" + noun + "，少选几项试试。";
  }

  function refresh() {
    stations.forEach(function (station) { if (!isPending(station)) showState(station); });
    if (filterIsOn()) applyFilter();
  }

  function sortByDistance(position) {
    revealAll();
    var here = wgs84ToGcj02(position.coords.latitude, position.coords.longitude);
    var lat = here[0];
    var lng = here[1];
    stations.forEach(function (station) {
      station.distance = haversine(lat, lng, station.lat, station.lng);
      station.item.setAttribute("data-distance", Math.round(station.distance));
    });
    stations.sort(function (a, b) { return a.distance - b.distance; });
    var ordered = document.createDocumentFragment();
    stations.forEach(function (station) { ordered.appendChild(station.item); });
    list.appendChild(ordered);
    refresh();
    var accuracy = position.coords.accuracy;
    statusLine.textContent = "已按离您由近到远排列" +
      (accuracy > 500 ? "（定位误差约 " + distanceText(accuracy) + "，距离仅供参考）" : "。");
  }

  var LOCATE_ERRORS = {
    1: "没有得到位置权限。可以在浏览器或微信的设置里允许定位，也可以按乡镇在下面查找。",
    2: "暂时定不了位，请到开阔处再试，或按乡镇在下面查找。",
    3: "定位超时，请再试一次，或按乡镇在下面查找。",
    insecure: "这个网址不是 https 开头，浏览器不给定位。请按乡镇在下面查找。",
  };

  // High accuracy asks for the GPS: the network location many Android browsers would use
  // instead comes from Google, which phones in China cannot reach.
  var LOCATE_OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 };

  function locate(button) {
    statusLine.textContent = "正在定位…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      sortByDistance(position);
    }, function (error) {
      button.disabled = false;
      // Browsers refuse location to a page not served over https, as if the member had.
      statusLine.textContent = window.isSecureContext === false ? LOCATE_ERRORS.insecure :
        LOCATE_ERRORS[error.code] || LOCATE_ERRORS[2];
    }, LOCATE_OPTIONS);
  }

  var locateButton = finder.querySelector("[data-finder-locate]");
  if (navigator.geolocation) {
    locateButton.addEventListener("click", function () { locate(locateButton); });
  } else {
    locateButton.parentNode.hidden = true;
  }
  finder.addEventListener("change", applyFilter);
  // A page left open between orders stays right about what is open now.
  if (hasHours) {
    setInterval(refresh, REFRESH_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
    });
  }
  refresh();
  finder.classList.add("is-ready");
  if (moreLine) {
    var showAll = document.createElement("button");
    showAll.type = "button";
    showAll.className = "md-button";
    showAll.textContent = "显示其余 " + stations.filter(isPending).length + " 个" + noun;
    showAll.addEventListener("click", revealAll);
    moreLine.replaceChildren(showAll);
  }
  // For the tests, which hold the conversion to the same published pairs as geo.py's.
  window.sanweiFinder = { wgs84ToGcj02: wgs84ToGcj02 };
})();
