// The resource page's chapter list: a tap plays the clip from the chapter's start, and the chapter
// being played is marked (aria-current) as the clip runs.
(function () {
  "use strict";
  var media = document.getElementById("player");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".chapter-seek"));
  if (!media || !buttons.length) return;
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
