// The resource page's player: captions that work from file://, a transcript that follows the
// video and seeks on click, and #t=SECONDS in the address to start at a moment.
(function () {
  "use strict";
  var media = document.getElementById("player");
  if (!media) return;
  var buttons = Array.prototype.slice.call(document.querySelectorAll("#transcript .seek"));
  var starts = buttons.map(function (b) { return parseFloat(b.getAttribute("data-start")); });
  var box = document.querySelector(".transcript-box");

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
    track.mode = "showing";
  }
  if (location.protocol === "file:" || !trackEl) {
    scriptCaptions();
  } else {
    trackEl.addEventListener("error", scriptCaptions);
    if (trackEl.readyState === 3) scriptCaptions();
    else if (trackEl.track) trackEl.track.mode = "showing";
  }

  var current = -1;
  function highlight() {
    var t = media.currentTime, index = -1;
    for (var i = 0; i < starts.length && starts[i] <= t + 0.05; i++) index = i;
    if (index === current) return;
    if (current >= 0) buttons[current].removeAttribute("aria-current");
    current = index;
    if (index < 0) return;
    var b = buttons[index];
    b.setAttribute("aria-current", "true");
    // Keep the line in view inside the transcript's own scroll box, never scroll the page.
    if (box && box.scrollHeight > box.clientHeight + 4) {
      var top = b.offsetTop - box.offsetTop;
      if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - b.offsetHeight) {
        box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      }
    }
  }
  media.addEventListener("timeupdate", highlight);
  media.addEventListener("seeked", highlight);

  function seek(seconds, play) {
    function go() {
      media.currentTime = seconds;
      highlight();
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
    if (match) seek(parseFloat(match[1]), false);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
