// Questions first: the search matches the questions people ask and lands at the moment that answers them.
// questions-index.js sets window.CAPTURE_QUESTIONS to rows [text, href, title, seconds (-1: the start),
// times asked (0: answered)]; it is loaded with a <script> tag, which works from file:// where fetch does not.
// The hook for the search page: CaptureQuestions.load(callback) then CaptureQuestions.search(query), which
// answers [{text, href, title, seconds, times}], best first (href is relative to the site's root, as root + href).
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script ? script.src.replace(/static\/questions\.js(?:[?#].*)?$/, "") : "";
  var rows = null, tag = null, waiting = [];
  var common = { how: 1, do: 1, does: 1, what: 1, why: 1, when: 1, who: 1, the: 1, to: 1, an: 1, on: 1, in: 1, of: 1, is: 1, my: 1, it: 1, if: 1, can: 1 };

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/['\u2019]/g, "").replace(/[^\w]+/g, " ");
  }
  function words(text) {
    return fold(text).split(" ").filter(function (w) { return w && !common[w] && (w.length > 1 || /\d/.test(w)); });
  }
  function ready() {
    rows = (window.CAPTURE_QUESTIONS || []).map(function (row) {
      return { text: row[0], href: row[1], title: row[2], seconds: row[3], times: row[4], words: words(row[0]) };
    });
    var calls = waiting;
    waiting = [];
    calls.forEach(function (done) { done(rows); });
  }
  function load(done) {
    if (rows) { done(rows); return; }
    waiting.push(done);
    if (tag) return;
    tag = document.createElement("script");
    tag.src = root + "questions-index.js";
    tag.onload = ready;
    tag.onerror = function () { window.CAPTURE_QUESTIONS = []; ready(); };
    document.head.appendChild(tag);
  }
  function matches(asked, said) {  // "jam" finds "jammed", "jammed" finds "jam"
    if (asked === said) return true;
    var short = asked.length < said.length ? asked : said, long = short === asked ? said : asked;
    return short.length >= 3 && long.indexOf(short) === 0;
  }
  function search(query) {
    var asked = words(query || "");
    if (!asked.length || !rows) return [];
    var hits = rows.filter(function (row) {
      return asked.every(function (w) { return row.words.some(function (s) { return matches(w, s); }); });
    });
    hits.sort(function (a, b) { return (a.href ? 0 : 1) - (b.href ? 0 : 1) || b.times - a.times || a.words.length - b.words.length; });
    return hits.map(function (row) {
      return { text: row.text, href: row.href, title: row.title, seconds: row.seconds, times: row.times };
    });
  }
  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  window.CaptureQuestions = { load: load, search: search, root: root };

  // The home page's search box: matching questions above the clip results, each a link to its answer.
  var input = document.getElementById("q"), results = document.getElementById("results");
  if (!input || !results) return;
  var box = document.createElement("section");
  box.id = "question-hits";
  box.className = "question-hits";
  box.hidden = true;
  box.setAttribute("aria-labelledby", "question-hits-title");
  var heading = document.createElement("h2");
  heading.id = "question-hits-title";
  heading.textContent = "Questions";
  var list = document.createElement("ul");
  list.className = "question-list";
  box.appendChild(heading);
  box.appendChild(list);
  results.parentNode.insertBefore(box, results);

  function item(hit) {
    var li = document.createElement("li"), meta = document.createElement("span");
    li.className = "question " + (hit.href ? "answered" : "open");
    meta.className = "meta";
    if (hit.href) {
      var link = document.createElement("a");
      link.href = root + hit.href;
      link.textContent = hit.text;
      li.appendChild(link);
      meta.textContent = " Answered in " + hit.title + (hit.seconds >= 0 ? " at " + clock(hit.seconds) : "");
    } else {
      var text = document.createElement("span");
      text.textContent = hit.text;
      li.appendChild(text);
      meta.textContent = " Asked " + (hit.times === 1 ? "once" : hit.times + " times") + ", not answered yet";
    }
    li.appendChild(meta);
    return li;
  }
  function show() {
    var query = input.value || new URLSearchParams(location.search).get("q") || "";
    load(function () {
      var hits = search(query).slice(0, 5);
      list.textContent = "";
      hits.forEach(function (hit) { list.appendChild(item(hit)); });
      box.hidden = !hits.length;
    });
  }
  input.addEventListener("input", show);
  input.addEventListener("focus", function () { load(function () {}); });
  if (input.value || /[?&]q=/.test(location.search)) show();
})();
