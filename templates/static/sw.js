// The site's service worker: answers from the journeys a worker saved for offline use
// (static/offline.js fills the store), and from the network for everything else. Video
// elements ask for byte ranges, so a Range request for a saved file is answered from the
// stored copy with 206 Partial Content. Its scope is the site's root, the folder it sits in.
"use strict";
var SCOPE = self.registration.scope;
var STORE = "capture-offline:" + SCOPE;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function notSaved(request) {
  if (request.mode !== "navigate") return Response.error();
  var body = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
    "<title>Not saved for offline use</title><p>This page is not saved on this device, and there is no network." +
    " Go back to a saved journey, or try again when you are online.</p>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// One range "bytes=a-b", "bytes=a-" or "bytes=-n" from the stored copy; anything else gets the whole file.
function ranged(stored, header) {
  var match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return stored;
  return stored.blob().then(function (blob) {
    var size = blob.size, start, end;
    if (match[1] === "") {
      start = Math.max(0, size - parseInt(match[2], 10));
      end = size - 1;
    } else {
      start = parseInt(match[1], 10);
      end = match[2] === "" ? size - 1 : Math.min(parseInt(match[2], 10), size - 1);
    }
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(blob.slice(start, end + 1), {
      status: 206,
      statusText: "Partial Content",
      headers: {
        "Content-Type": stored.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes"
      }
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(SCOPE) !== 0) return;
  if (request.headers.get("X-Capture-Save")) return;  // offline.js saving a newer copy: the network
  event.respondWith(caches.open(STORE).then(function (cache) {
    return cache.match(request, { ignoreVary: true });
  }).then(function (stored) {
    if (!stored) return fetch(request).catch(function () { return notSaved(request); });
    var range = request.headers.get("Range");
    return range ? ranged(stored, range) : stored;
  }));
});
