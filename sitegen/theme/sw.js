/* Offline reading. Pages and scripts always come from the network when it answers, so
 * a content update shows on the next visit and a stale script never runs a form; the
 * copy kept here is used only when the network does not answer. Lessons and station
 * pages a member has opened, and the stations list, stay readable in a lift or a
 * basement. Requests to other hosts (the forms API) and anything but GET pass through
 * untouched: the page's own queue keeps submissions. */
"use strict";

var CACHE = "sanwei-v1";
// What a member should find offline even before opening it: the stations list and its finder.
var PRECACHE = ["stations/", "assets/hours.js", "assets/finder.js"];
// Past this many pages the oldest are dropped: cheap phones have little storage.
var MAX_ENTRIES = 300;
// A network that has not answered by then is as good as none for someone between orders.
var NETWORK_TIMEOUT_MS = 6000;

self.addEventListener("install", function (event) {
  var scope = self.registration.scope;
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(PRECACHE.map(function (path) { return new URL(path, scope).href; }));
    }).catch(function () {})
  );
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The first page a member opens is loaded before this worker runs; it sends the
// addresses it used, to be kept like every page after it.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (address) {
      var url = new URL(address);
      if (url.origin !== self.location.origin) return null;
      return fetch(url.href).then(function (response) {
        if (response.ok) return cache.put(url.origin + url.pathname, response);
      }).catch(function () {});
    })).then(function () { return trim(cache); });
  }));
});

function trim(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES)).map(function (key) {
      return cache.delete(key);
    }));
  });
}

function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("network timeout")); }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      resolve(response);
    }, function (error) {
      clearTimeout(timer);
      reject(error);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // register/?src=tag and register/ are one page: keep one copy of it.
  var key = url.origin + url.pathname;
  event.respondWith(
    fromNetwork(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) {
          return cache.put(key, copy).then(function () { return trim(cache); });
        }));
      }
      return response;
    }, function (error) {
      return caches.match(key, { ignoreVary: true }).then(function (cached) {
        if (cached) return cached;
        throw error;
      });
    })
  );
});
