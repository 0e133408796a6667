// Journeys saved for offline use (the store sw.js answers from). Over http(s) only: from file://
// a service worker cannot run, so this does nothing and the page shows no offline button.
// A saved file is fetched again only when its key in the journey's offline.json changes (a new
// build), never because of its age.
(function () {
  "use strict";
  if (window.CAPTURE_OFFLINE) return;  // one script tag per page is enough
  window.CAPTURE_OFFLINE = true;
  if (!/^https?:$/.test(location.protocol) || !("serviceWorker" in navigator) || !window.caches) return;
  var script = document.currentScript;
  var root = new URL("../", script.src).href;  // static/offline.js -> the site's root
  var STORE = "capture-offline:" + root;
  var INDEX = root + "__offline__/index.json";  // never on the server: what is saved, with each file's key

  // Without its service worker (a host that does not serve sw.js) nothing saved could be played back.
  var registered = navigator.serviceWorker.register(root + "sw.js", { scope: root }).then(function () {
    return navigator.serviceWorker.ready;
  });
  registered.catch(function () {});  // said on the journey's page; elsewhere nothing to say

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + " MB";
  }
  function clips(n) { return n + (n === 1 ? " clip" : " clips"); }
  function readIndex(cache) {
    return cache.match(INDEX).then(function (found) { return found ? found.json() : null; })
      .catch(function () { return null; })
      .then(function (index) { return index && index.journeys && index.files ? index : { journeys: {}, files: {} }; });
  }
  function writeIndex(cache, index) {
    var body = JSON.stringify(index);
    return cache.put(INDEX, new Response(body, { headers: { "Content-Type": "application/json" } }));
  }
  function manifest(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("the list of files to save did not load");
      return r.json();
    });
  }
  function usedElsewhere(index, url, except) {
    return Object.keys(index.journeys).some(function (id) {
      return id !== except && index.journeys[id].files.indexOf(url) >= 0;
    });
  }

  // Bring one journey's saved files in line with its manifest: fetch what is new or changed, drop the rest.
  function sync(cache, index, id, list, progress) {
    var files = list.files.map(function (f) { return { url: new URL(f.url, root).href, key: f.key, size: f.size }; });
    var done = 0, bytes = 0;
    var chain = Promise.resolve();
    files.forEach(function (f) {
      chain = chain.then(function () {
        if (index.files[f.url] === f.key) return cache.match(f.url).then(function (hit) { return hit ? null : get(f); });
        return get(f);
      }).then(function () {
        done += 1; bytes += f.size;
        if (progress) progress(done, files.length, bytes, list.size);
      });
    });
    function get(f) {
      // The header tells sw.js to go to the network, not answer with the copy it has.
      return fetch(f.url, { cache: "no-store", headers: { "X-Capture-Save": "1" } }).then(function (r) {
        if (r.status !== 200) throw new Error(f.url.slice(root.length) + " did not download");
        return cache.put(f.url, r);
      }).then(function () { index.files[f.url] = f.key; });
    }
    return chain.then(function () {
      var urls = files.map(function (f) { return f.url; });
      var old = index.journeys[id] ? index.journeys[id].files : [];
      index.journeys[id] = { title: list.title, size: list.size, clips: list.clips, files: urls };
      var gone = old.filter(function (url) { return urls.indexOf(url) < 0 && !usedElsewhere(index, url, null); });
      return Promise.all(gone.map(function (url) { delete index.files[url]; return cache.delete(url); }));
    }).then(function () { return writeIndex(cache, index); });
  }

  // One change to the store at a time: a refresh, a save and a removal never interleave.
  var pending = Promise.resolve();
  function serial(work) {
    var run = pending.then(work);
    pending = run.then(function () {}, function () {});
    return run;
  }

  function remove(cache, index, id) {
    var saved = index.journeys[id];
    if (!saved) return Promise.resolve();
    delete index.journeys[id];
    var gone = saved.files.filter(function (url) { return !usedElsewhere(index, url, id); });
    return Promise.all(gone.map(function (url) { delete index.files[url]; return cache.delete(url); }))
      .then(function () { return writeIndex(cache, index); });
  }

  // Cards and this clip's note: say which clips play with no network.
  function savedClip(index, id) {
    var prefix = root + "media/" + id + "/";
    return Object.keys(index.files).some(function (url) { return url.indexOf(prefix) === 0; });
  }
  function markClips(index) {
    Array.prototype.forEach.call(document.querySelectorAll(".card > a[href]"), function (link) {
      var match = /\/r\/([^/]+)\/index\.html$/.exec(link.href);
      var badge = link.querySelector(".badge.saved");
      if (match && savedClip(index, match[1])) {
        if (!badge) {
          badge = document.createElement("span");
          badge.className = "badge saved";
          badge.textContent = "Saved for offline";
          (link.querySelector(".card-text") || link).appendChild(badge);
        }
      } else if (badge) badge.parentNode.removeChild(badge);
    });
    var note = document.getElementById("offline-note");
    var page = document.querySelector("[data-resource]");
    if (note && page) {
      var saved = savedClip(index, page.getAttribute("data-resource"));
      note.textContent = saved ? "Saved on this device: this clip plays with no network." : "";
      note.hidden = !saved;
    }
  }

  var box = document.getElementById("offline");
  var state = document.getElementById("offline-state");
  var save = document.getElementById("offline-save");
  var drop = document.getElementById("offline-remove");
  var busy = false;

  function show(index, list) {
    var id = box.getAttribute("data-journey");
    var saved = index.journeys[id];
    box.hidden = false;
    save.hidden = !!saved;
    drop.hidden = !saved;
    if (saved) state.textContent = "Saved on this device: " + clips(saved.clips) + ", " + megabytes(saved.size) + ". They play with no network.";
    else if (list) {
      state.textContent = "Saving this journey downloads its pages, captions, posters and videos: " +
        clips(list.clips) + ", " + megabytes(list.size) + ".";
      save.textContent = "Save this journey for offline (" + megabytes(list.size) + ")";
    }
  }

  function journeyBox(cache, index) {
    if (!box || !state || !save || !drop) return;
    var url = new URL(box.getAttribute("data-manifest"), location.href).href;
    var id = box.getAttribute("data-journey");
    var list = null;
    show(index, null);
    if (!index.journeys[id]) state.textContent = "Checking what saving this journey takes…";
    registered.catch(function () {
      save.hidden = true;
      list = null;
      state.textContent = "This site's host does not serve its offline helper (sw.js), so journeys cannot be saved here.";
    });
    manifest(url).then(function (got) { list = got; registered.then(function () { show(index, list); }, function () {}); }, function () {
      if (!index.journeys[id]) { state.textContent = "Saving for offline needs a connection. Try again when you are online."; save.hidden = true; }
    });
    save.addEventListener("click", function () {
      if (busy || !list) return;
      busy = true;
      save.disabled = true;
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      registered.then(function () {
        return serial(function () {
          return sync(cache, index, id, list, function (done, total, bytes, size) {
            state.textContent = "Saving… " + done + " of " + total + " files (" + megabytes(bytes) + " of " + megabytes(size) + ").";
          });
        });
      }).then(function () { show(index, list); markClips(index); }, function (error) {
        var full = error && error.name === "QuotaExceededError";
        state.textContent = full ? "This device has no room for the journey. Remove other saved journeys or files and try again."
          : "Could not save the journey: " + (error && error.message ? error.message : "the download stopped") + ". Check the connection and try again.";
        return serial(function () { return remove(cache, index, id); }).then(function () { markClips(index); });
      }).then(function () { busy = false; save.disabled = false; });
    });
    drop.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      serial(function () { return remove(cache, index, id); }).then(function () {
        show(index, list);
        markClips(index);
        if (!list) state.textContent = "Removed from this device.";
      }).then(function () { busy = false; });
    });
  }

  // Online, each saved journey is checked against the newest build; only files whose key changed are fetched.
  function refresh(cache, index) {
    if (navigator.onLine === false) return Promise.resolve();
    return Object.keys(index.journeys).reduce(function (chain, id) {
      return chain.then(function () {
        return manifest(root + "j/" + id + "/offline.json").then(function (list) {
          return sync(cache, index, id, list, null);
        }, function () {});
      });
    }, Promise.resolve()).then(function () { markClips(index); }, function () {});
  }

  caches.open(STORE).then(function (cache) {
    return readIndex(cache).then(function (index) {
      markClips(index);
      journeyBox(cache, index);
      window.CAPTURE_OFFLINE_READY = serial(function () { return refresh(cache, index); }).then(function () {
        if (box && !busy && index.journeys[box.getAttribute("data-journey")]) show(index, null);
        document.documentElement.setAttribute("data-offline-checked", "true");
      });
    });
  }).catch(function () {});
})();
