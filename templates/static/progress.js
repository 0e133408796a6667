// Progress kept on this device (localStorage; no server, no account): a tick on the cards of
// clips watched or part-watched, "resume from" on a clip begun, and the journey's next clip
// offered when one ends. A browser that refuses storage (private mode, a policy) simply gets none.
(function () {
  "use strict";
  var KEY = "capture:progress", VIA = "capture:via";
  var DONE = 0.95, BEGUN = 3;  // watched past 95 %; part-watched past 3 s
  function read() {
    try { var all = JSON.parse(localStorage.getItem(KEY) || "{}"); return all && typeof all === "object" ? all : {}; }
    catch (e) { return {}; }
  }
  function write(id, entry) {
    try { var all = read(); all[id] = entry; localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* no storage */ }
  }
  function remember(name, value) { try { sessionStorage.setItem(name, value); } catch (e) { /* no storage */ } }
  function recall(name) { try { return sessionStorage.getItem(name) || ""; } catch (e) { return ""; } }
  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  // Ticks on every card of the page.
  var progress = read();
  Array.prototype.forEach.call(document.querySelectorAll(".card > a"), function (link) {
    var match = /(?:^|\/)r\/([^/]+)\/index\.html/.exec(link.getAttribute("href") || "");
    var entry = match && progress[match[1]];
    if (!entry || !(entry.done || entry.t >= BEGUN)) return;
    var tick = document.createElement("span");
    tick.className = entry.done ? "tick watched" : "tick";
    tick.textContent = entry.done ? "✓ Watched" : "Part-watched";
    (link.querySelector(".card-text") || link).appendChild(tick);
  });

  // A journey page: the clip opened from it knows which journey it was reached from.
  var journey = document.querySelector(".journey[data-journey]");
  if (journey) {
    journey.addEventListener("click", function (event) {
      if (event.target.closest(".card a")) remember(VIA, journey.getAttribute("data-journey"));
    });
  }

  var article = document.querySelector("[data-resource]");
  var media = document.getElementById("player");
  if (!article || !media) return;
  var id = article.getAttribute("data-resource");
  var places = Array.prototype.slice.call(document.querySelectorAll(".in-journey"));
  var via = recall(VIA), place = null;
  places.forEach(function (aside) { if (aside.getAttribute("data-journey") === via) place = aside; });
  if (place) {  // reached from that journey: its practice task and next clip, not another role's next steps
    place.hidden = false;
    var generic = document.querySelector('section[aria-labelledby="next"]');
    if (generic) generic.hidden = true;
  }
  remember(VIA, "");

  var saved = read()[id], stored = 0;
  function save(done) {
    var d = media.duration || 0, t = media.currentTime || 0;
    var finished = done || (d > 0 && t >= d * DONE) || !!(saved && saved.done);
    saved = { t: Math.round(t * 10) / 10, done: finished };
    write(id, saved);
  }
  media.addEventListener("timeupdate", function () {
    var now = Date.now();
    if (now - stored > 2000) { stored = now; save(false); }
  });
  media.addEventListener("pause", function () { save(false); });
  media.addEventListener("ended", function () {
    save(true);
    var chosen = place || places[0], next = chosen && chosen.querySelector(".next-in-journey");
    var banner = document.getElementById("up-next");
    if (!next || !banner) return;
    banner.textContent = "Next in this journey: ";
    var link = document.createElement("a");
    link.href = next.getAttribute("href");
    link.textContent = next.textContent;
    link.addEventListener("click", function () { remember(VIA, chosen.getAttribute("data-journey")); });
    banner.appendChild(link);
    banner.hidden = false;
  });

  // Resume where the worker stopped, unless the address asks for a moment of its own.
  var resume = document.getElementById("resume");
  if (resume && saved && !saved.done && saved.t >= BEGUN && !/[#&]t=/.test(location.hash)) {
    resume.textContent = "▶ Resume from " + clock(saved.t);
    resume.hidden = false;
    resume.addEventListener("click", function () {
      resume.hidden = true;
      function go() {
        media.currentTime = saved.t;
        var p = media.play(); if (p && p.catch) p.catch(function () {});
      }
      if (media.readyState >= 1) go(); else media.addEventListener("loadedmetadata", go, { once: true });
    });
    media.addEventListener("play", function () { resume.hidden = true; }, { once: true });
  }
})();
