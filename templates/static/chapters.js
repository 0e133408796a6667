// The resource page's chapter list: a tap plays the clip from the chapter's start, and the chapter
// being played is marked (aria-current) as the clip runs. Where the browser cannot load the page's
// chapters.vtt and descriptions.vtt (file://), the same cues come from the page itself.
(function () {
  "use strict";
  var media = document.getElementById("player");
  if (!media) return;

  var embedded = document.getElementById("track-cues");
  function scriptTrack(kind, label) {
    var element = media.querySelector('track[kind="' + kind + '"]');
    if (!embedded || typeof VTTCue === "undefined" || !media.addTextTrack) return;
    if (element && element.parentNode) element.parentNode.removeChild(element);
    var track = media.addTextTrack(kind, label, document.documentElement.lang || "en");
    JSON.parse(embedded.textContent)[kind].forEach(function (c) { track.addCue(new VTTCue(c[0], c[1], c[2])); });
    track.mode = "hidden";
  }
  [["chapters", "Chapters"], ["descriptions", "On screen"]].forEach(function (pair) {
    var element = media.querySelector('track[kind="' + pair[0] + '"]');
    if (!element) return;
    if (location.protocol === "file:") scriptTrack(pair[0], pair[1]);
    else element.addEventListener("error", function () { scriptTrack(pair[0], pair[1]); });
  });

  var buttons = Array.prototype.slice.call(document.querySelectorAll(".chapter-seek"));
  if (!buttons.length) return;
  var starts = buttons.map(function (b) { return parseFloat(b.getAttribute("data-start")); });

  function mark() {
    var now = media.currentTime, index = -1;
    for (var i = 0; i < starts.length && starts[i] <= now + 0.05; i++) index = i;
    buttons.forEach(function (b, i) {
      if (i === index) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }
  function seek(seconds) {
    function go() {
      media.currentTime = seconds;
      mark();
      var played = media.play();
      if (played && played.catch) played.catch(function () {});
    }
    if (media.readyState >= 1) go();
    else media.addEventListener("loadedmetadata", go, { once: true });
  }
  buttons.forEach(function (button, index) {
    button.addEventListener("click", function () { seek(starts[index]); });
  });
  media.addEventListener("timeupdate", mark);
  media.addEventListener("seeked", mark);
})();
