// The resource page's player: captions that work from file://, a transcript that follows the
// video and seeks on click, and #t=SECONDS in the address to start at a moment.
(function () {
  "use strict";
  var media = document.getElementById("player");
  if (!media) return;
  var buttons = Array.prototype.slice.call(document.querySelectorAll("#transcript .seek"));
  var starts = buttons.map(function (b) { return parseFloat(b.getAttribute("data-start")); });
  var box = document.querySelector(".transcript-box");
  var note = document.getElementById("seek-note");

  // Cues touch (one ends where the next starts), and after a seek to that very second Chromium
  // shows both for seconds. Ending each cue a hair before the next starts leaves one on screen.
  function separate(track) {
    var cues = track && track.cues;
    if (!cues) return;
    for (var i = 0; i + 1 < cues.length; i++) {
      if (cues[i].endTime > cues[i + 1].startTime - 0.01) {
        cues[i].endTime = Math.max(cues[i].startTime, cues[i + 1].startTime - 0.01);
      }
    }
  }

  // Browsers refuse to load a <track> file from file://, so captions also come embedded in the page.
  var cuesData = document.getElementById("cues");
  var trackEl = media.querySelector ? media.querySelector("track") : null;
  var scripted = false;
  function scriptCaptions() {
    if (scripted || !cuesData || typeof VTTCue === "undefined" || !media.addTextTrack) return;
    scripted = true;
    if (trackEl && trackEl.parentNode) trackEl.parentNode.removeChild(trackEl);
    var track = media.addTextTrack("captions", "Captions", document.documentElement.lang || "en");
    JSON.parse(cuesData.textContent).forEach(function (c) { track.addCue(new VTTCue(c[0], c[1], c[2])); });
    separate(track);
    track.mode = "showing";
  }
  if (location.protocol === "file:" || !trackEl) {
    scriptCaptions();
  } else {
    trackEl.addEventListener("error", scriptCaptions);
    trackEl.addEventListener("load", function () { separate(trackEl.track); });
    if (trackEl.readyState === 3) scriptCaptions();
    else if (trackEl.track) {
      trackEl.track.mode = "showing";
      if (trackEl.readyState === 2) separate(trackEl.track);
    }
  }

  function lineAt(seconds) {
    var index = -1;
    for (var i = 0; i < starts.length && starts[i] <= seconds + 0.05; i++) index = i;
    return index;
  }
  var current = -1;
  function mark(index) {
    if (index === current) return false;
    if (current >= 0) buttons[current].removeAttribute("aria-current");
    current = index;
    if (index >= 0) buttons[index].setAttribute("aria-current", "true");
    return index >= 0;
  }
  function highlight() {
    if (!mark(lineAt(media.currentTime))) return;
    var b = buttons[current];
    // Keep the line in view inside the transcript's own scroll box, never scroll the page.
    if (box && box.scrollHeight > box.clientHeight + 4) {
      var top = b.offsetTop - box.offsetTop;
      if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - b.offsetHeight) {
        box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      }
    }
  }
  // A line opened from a link (a search hit): bring it into the part of the screen the player leaves
  // free. A sticky player moves as the page scrolls, so measure again after each step (at most three).
  function reveal(b) {
    if (box && box.scrollHeight > box.clientHeight + 4) {
      box.scrollTop = Math.max(0, b.offsetTop - box.offsetTop - box.clientHeight / 3);
    }
    var player = media.closest(".player") || media;
    for (var step = 0; step < 3; step++) {
      var cover = player.getBoundingClientRect(), rect = b.getBoundingClientRect();
      var beside = rect.left >= cover.right || rect.right <= cover.left;
      var free = beside ? 0 : Math.max(cover.bottom, 0);
      if (rect.top >= free && rect.bottom <= window.innerHeight) return;
      var before = window.scrollY;
      // Beside the player: scroll no more than needed, so the player stays on screen too.
      if (beside) window.scrollBy(0, rect.top < 0 ? rect.top - 8 : rect.bottom - window.innerHeight + 8);
      else window.scrollBy(0, rect.top - (free + (window.innerHeight - free - rect.height) / 3));
      if (window.scrollY === before) return;  // the page can scroll no further
    }
  }
  media.addEventListener("timeupdate", highlight);
  media.addEventListener("seeked", highlight);

  // A host without byte-range support cannot seek: say so, next to the player.
  function checkSeek(seconds) {
    if (!note || seconds < 1) return;
    setTimeout(function () {
      if (Math.abs(media.currentTime - seconds) > 1 && !media.seeking) note.hidden = false;
    }, 2000);
  }

  function seek(seconds, play) {
    function go() {
      media.currentTime = seconds;
      highlight();
      checkSeek(seconds);
      if (play) { var p = media.play(); if (p && p.catch) p.catch(function () {}); }
    }
    if (media.readyState >= 1) go();
    else media.addEventListener("loadedmetadata", go, { once: true });
  }
  buttons.forEach(function (button, index) {
    button.addEventListener("click", function () { seek(starts[index], true); });
  });

  function fromHash() {
    var match = /[#&]t=(\d+(?:\.\d+)?)/.exec(location.hash);
    if (!match) return;
    var seconds = parseFloat(match[1]);
    // The moment in the address decides where the page is, not the scroll a reload would restore.
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    if (mark(lineAt(seconds))) reveal(buttons[current]);
    seek(seconds, false);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
