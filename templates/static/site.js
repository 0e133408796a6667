// Click a transcript line to jump there; #t=SECONDS in the address starts the video at that moment.
(function () {
  var video = document.getElementById("player");
  if (!video) return;
  document.querySelectorAll("button.seek").forEach(function (button) {
    button.addEventListener("click", function () {
      video.currentTime = parseFloat(button.dataset.start);
      video.play();
    });
  });
  var match = /[#&]t=(\d+(?:\.\d+)?)/.exec(location.hash);
  if (match) {
    video.addEventListener("loadedmetadata", function () { video.currentTime = parseFloat(match[1]); }, { once: true });
  }
})();
