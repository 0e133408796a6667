// The resource page's embed box: a button that copies the <iframe> code (pipeline/site/embed.py).
(function () {
  "use strict";
  var code = document.getElementById("embed-code");
  var button = document.getElementById("embed-copy");
  var said = document.getElementById("embed-copied");
  if (!code || !button || !said) return;
  function copied(ok) {
    said.textContent = ok ? "Copied." : "Select the code and copy it with your keyboard or menu.";
  }
  function fallback() {
    code.focus();
    code.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    copied(ok);
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    // The clipboard API needs a secure context (https, localhost); from file:// or plain http, select and copy.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code.value).then(function () { copied(true); }, fallback);
    } else {
      fallback();
    }
  });
})();
