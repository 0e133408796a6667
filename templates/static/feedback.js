/* "Did this help?" on a resource page: one tap sends the answer to the host's access log as a
   request for feedback.gif?r=<id>&v=<version>&a=<answer> (no server, no third party; from file://
   the image loads from disk and nothing is logged). Each device answers once per resource version,
   remembered in localStorage where the browser allows it (private mode may refuse: then once per visit). */
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-helpful]"));
  if (!boxes.length) return;
  var first = boxes[0];
  var id = first.getAttribute("data-resource");
  var version = first.getAttribute("data-version");
  var beacon = first.getAttribute("data-beacon");
  var key = "capture.helped." + id + ".v" + version;
  var labels = {};
  first.querySelectorAll("[data-answer]").forEach(function (button) {
    if (button.tagName === "BUTTON") labels[button.getAttribute("data-answer")] = button.textContent;
  });
  var sent = [];

  function stored() {
    try { return window.localStorage.getItem(key); } catch (error) { return null; }
  }
  function remember(answer) {
    try { window.localStorage.setItem(key, answer); } catch (error) { /* private mode: this visit only */ }
  }

  var answered = stored();
  if (!Object.prototype.hasOwnProperty.call(labels, answered)) answered = null;

  // Both boxes show the answer; only the one tapped (or the first, on load) speaks it, so a screen
  // reader does not hear it twice.
  function show(message, origin) {
    boxes.forEach(function (box) {
      box.querySelectorAll("button[data-answer]").forEach(function (button) {
        var chosen = button.getAttribute("data-answer") === answered;
        button.setAttribute("aria-pressed", chosen ? "true" : "false");
        button.setAttribute("aria-disabled", "true");
      });
      box.querySelectorAll(".helpful-comment").forEach(function (comment) {
        comment.hidden = comment.getAttribute("data-answer") !== answered;
      });
      box.classList.add("answered");
      var status = box.querySelector(".helpful-status");
      status.setAttribute("aria-live", box === (origin || first) ? "polite" : "off");
      status.textContent = message;
    });
  }

  function answer(choice, origin) {
    if (answered) {
      show("You have already answered for this version of the clip: " + labels[answered] + ".", origin);
      return;
    }
    answered = choice;
    remember(choice);
    try {
      var image = new Image();
      image.src = beacon + "?r=" + encodeURIComponent(id) + "&v=" + encodeURIComponent(version) +
        "&a=" + encodeURIComponent(choice);
      sent.push(image);
    } catch (error) { /* no image, no answer logged: the page goes on */ }
    show("Thank you. You answered: " + labels[choice] + ".", origin);
  }

  boxes.forEach(function (box) {
    box.querySelectorAll("button[data-answer]").forEach(function (button) {
      button.addEventListener("click", function () { answer(button.getAttribute("data-answer"), box); });
    });
    box.removeAttribute("data-pending");
  });
  if (answered) show("You answered: " + labels[answered] + ". Thank you.", null);

  var media = document.getElementById("player");
  var end = document.getElementById("helpful-end");
  if (media && end) {
    // The end box sits in the player, which stays in view on a phone: shown once the clip has
    // ended, put away when it plays again so it never covers the transcript while it plays.
    media.addEventListener("ended", function () { end.hidden = false; });
    media.addEventListener("play", function () { end.hidden = true; });
  }
})();
