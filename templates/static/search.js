// Search every title, summary and transcript line, offline: the index is made of scripts
// (search-index.js lists the shards; each shard pushes its rows onto window.CAPTURE_INDEX_PARTS),
// so it works from file:// too. The shards load the first time someone reaches for the search box,
// so a visit that does not search downloads none of them.
// A hit links to the resource at the moment the words are said: r/<id>/index.html#t=SECONDS.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var form = document.getElementById("search");
  var levelPick = document.getElementById("level");
  var rolePick = document.getElementById("role");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var data = window.CAPTURE_INDEX;
  if (!input || !list) return;
  if (!data || !data.shards) { status.textContent = "The search index is missing: run capture build again."; return; }
  var MAX_SHOWN = 50, MAX_LINES = 3;
  var rows = null, loading = null, waiting = [], incomplete = false;

  // Load every shard once, with script tags (fetch is refused from file://), then run what waited.
  function load(then) {
    if (rows) { then(); return; }
    waiting.push(then);
    if (loading) return;
    loading = { left: data.shards.length, failed: false };
    if (!loading.left) { done(); return; }
    data.shards.forEach(function (src) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = function () { if (--loading.left === 0) done(); };
      tag.onerror = function () {
        loading.failed = true;
        if (--loading.left === 0) done();
      };
      document.head.appendChild(tag);
    });
  }
  function done() {
    incomplete = loading.failed;
    var parts = window.CAPTURE_INDEX_PARTS || [];
    rows = prepare([].concat.apply([], parts.map(function (part) { return part.r; })),
                   [].concat.apply([], parts.map(function (part) { return part.f || part.r.map(function () { return [[], ""]; }); })));
    var queue = waiting;
    waiting = [];
    queue.forEach(function (then) { then(); });
  }

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  // The same rules as pipeline/site/search.py's stem (a test keeps them equal): only ever cut an ending.
  var MIN_STEM = 3, DOUBLED = "bdgmnprt";
  function ends(word, tails) { return tails.some(function (t) { return word.slice(-t.length) === t; }); }
  function undouble(cut) {
    var last = cut.charAt(cut.length - 1);
    return cut.length > MIN_STEM && last === cut.charAt(cut.length - 2) && DOUBLED.indexOf(last) >= 0 ? cut.slice(0, -1) : cut;
  }
  function stem(word) {
    if (ends(word, ["ies"]) && word.length - 3 >= MIN_STEM) return word.slice(0, -3);
    if (ends(word, ["sses", "shes", "ches", "xes", "zes"]) && word.length - 2 >= MIN_STEM) return word.slice(0, -2);
    if (ends(word, ["s"]) && !ends(word, ["ss", "us", "is"]) && word.length - 1 >= MIN_STEM) return word.slice(0, -1);
    if (ends(word, ["ing"]) && word.length - 3 >= MIN_STEM) return undouble(word.slice(0, -3));
    if (ends(word, ["ed"]) && word.length - 2 >= MIN_STEM) return undouble(word.slice(0, -2));
    return word;
  }
  window.CAPTURE_SEARCH = { stem: stem, fold: fold };
  function escaped(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function prepare(raw, facets) {
    return raw.map(function (r, n) {
      var lines = r[7] ? r[7].split("\n") : [], starts = [], t = 0, offsets = [], parts = [], at = 0;
      r[6].forEach(function (gap) { t += gap; starts.push(t / 10); });
      lines.forEach(function (line) {
        var folded = fold(line);
        offsets.push(at); parts.push(folded); at += folded.length + 1;
      });
      return { id: r[0], title: r[1], summary: r[2], level: r[3], duration: r[4], lines: lines, starts: starts,
               roles: facets[n][0] || [], kind: facets[n][1] || "",
               ftitle: fold(r[1]), fsummary: fold(r[2]), flines: parts, joined: parts.join(" "), offsets: offsets };
    });
  }
  function lineAt(row, offset) {
    var lo = 0, hi = row.offsets.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (row.offsets[mid] <= offset) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function all(text, tokens) { return tokens.every(function (t) { return text.indexOf(t) >= 0; }); }

  function search(query, filters) {
    var folded = fold(query);
    var words = folded.split(" ").filter(function (t) { return t.length > 1; });
    if (!words.length && folded) words = [folded];
    if (!words.length) return { tokens: [], hits: [] };
    var tokens = words.map(stem);
    // The words in order, each free to go on as the word it starts ("fault code" in "fault codes").
    var phrase = new RegExp(tokens.map(escaped).join("[\\p{L}\\p{N}]* "), "gu");
    var hits = [];
    rows.forEach(function (row) {
      if (filters.level && row.level !== filters.level) return;
      if (filters.role && row.roles.indexOf(filters.role) < 0) return;
      var score = 0, lines = [];
      phrase.lastIndex = 0;
      if (all(row.ftitle, tokens)) score += phrase.test(row.ftitle) ? 1500 : 1000;
      var inSummary = all(row.fsummary, tokens);
      if (inSummary) score += 100;
      // A phrase may run across two transcript lines: search the joined text, then map back to lines.
      phrase.lastIndex = 0;
      for (var found = phrase.exec(row.joined); found && lines.length < 20; found = phrase.exec(row.joined)) {
        var index = lineAt(row, found.index);
        if (lines.indexOf(index) < 0) lines.push(index);
        phrase.lastIndex = found.index + 1;
      }
      if (lines.length) score += 60 + 5 * lines.length;
      else {
        row.flines.forEach(function (line, index) { if (all(line, tokens)) lines.push(index); });
        if (lines.length) score += 30 + 2 * lines.length;
      }
      if (score) hits.push({ row: row, score: score, lines: lines, summary: inSummary });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.row.title.localeCompare(b.row.title); });
    return { tokens: tokens, hits: hits };
  }

  function clock(seconds) {
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function marked(text, tokens) {
    var frag = document.createDocumentFragment();
    // Mark the whole word a stem starts: "codes" for the stem "code".
    var pattern = new RegExp("((?:" + tokens.map(escaped).join("|") + ")[\\p{L}\\p{N}]*)", "giu");
    text.split(pattern).forEach(function (part, i) {
      if (i % 2) { var m = document.createElement("mark"); m.textContent = part; frag.appendChild(m); }
      else if (part) frag.appendChild(document.createTextNode(part));
    });
    return frag;
  }
  function link(row, seconds) {
    return "r/" + row.id + "/index.html" + (seconds === null ? "" : "#t=" + Math.round(seconds * 10) / 10);
  }

  var lastQuery = null, lastCount = 0, logged = null, logTimer = null, pending = false;
  function render(query) {
    if (!rows) {  // the first search: show it once the shards are in
      if (query.trim()) status.textContent = "Loading the search index…";
      if (!pending) {
        pending = true;
        load(function () {
          pending = false;
          render(input.value);
          clearTimeout(logTimer);
          logTimer = setTimeout(logSearch, 1500);
        });
      }
      return;
    }
    var filters = chosen(), result = search(query, filters);
    lastQuery = query.trim(); lastCount = result.hits.length;
    remember(lastQuery, filters);
    list.textContent = "";
    if (!lastQuery) { status.textContent = ""; return; }
    var within = describe(filters);
    status.textContent = (lastCount === 0 ? "No clips" + within + " match “" + lastQuery + "”."
      : lastCount + (lastCount === 1 ? " clip" : " clips") + within + (lastCount === 1 ? " matches" : " match") + " “" + lastQuery + "”"
        + (lastCount > MAX_SHOWN ? "; showing the first " + MAX_SHOWN + "." : "."))
      + (incomplete ? " Part of the search index did not load: reload the page to search every clip." : "");
    result.hits.slice(0, MAX_SHOWN).forEach(function (hit) {
      var row = hit.row, li = document.createElement("li"), a = document.createElement("a");
      a.className = "hit-title";
      a.href = link(row, hit.lines.length ? row.starts[hit.lines[0]] : null);
      a.appendChild(marked(row.title, result.tokens));
      li.appendChild(a);
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = " " + clock(row.duration) + (row.level ? " · " + row.level : "");
      li.appendChild(meta);
      if (hit.summary && row.summary) {
        var p = document.createElement("p");
        p.appendChild(marked(row.summary, result.tokens));
        li.appendChild(p);
      }
      if (hit.lines.length) {
        var ul = document.createElement("ul");
        hit.lines.slice(0, MAX_LINES).forEach(function (index) {
          var item = document.createElement("li"), jump = document.createElement("a"), time = document.createElement("span");
          jump.href = link(row, row.starts[index]);
          time.className = "hit-time";
          time.textContent = clock(row.starts[index]);
          jump.appendChild(time);
          var said = document.createElement("span");
          said.appendChild(marked(row.lines[index], result.tokens));
          jump.appendChild(said);
          item.appendChild(jump);
          ul.appendChild(item);
        });
        li.appendChild(ul);
      }
      list.appendChild(li);
    });
  }

  function chosen() {
    return { level: levelPick ? levelPick.value : "", role: rolePick ? rolePick.value : "" };
  }
  function describe(filters) {
    var parts = [];
    if (filters.level) parts.push(levelPick.options[levelPick.selectedIndex].text.toLowerCase());
    if (filters.role) parts.push("for " + rolePick.options[rolePick.selectedIndex].text.toLowerCase());
    return parts.length ? " (" + parts.join(", ") + ")" : "";
  }
  // The query and filters live in the address, so Back from a hit brings the results back.
  function remember(query, filters) {
    var parts = [];
    if (query) parts.push("q=" + encodeURIComponent(query));
    if (filters.level) parts.push("level=" + encodeURIComponent(filters.level));
    if (filters.role) parts.push("role=" + encodeURIComponent(filters.role));
    var search = parts.length ? "?" + parts.join("&") : "";
    if (search === location.search) return;
    try { history.replaceState(null, "", location.pathname + search); } catch (e) { /* some hosts refuse: the search still works */ }
  }
  // Any address is handled: a malformed escape (%E0%A4%A) is read as the text it is.
  function param(name) {
    var found = "";
    location.search.replace(/^\?/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("="), key = at < 0 ? pair : pair.slice(0, at);
      if (key !== name) return;
      var value = at < 0 ? "" : pair.slice(at + 1).replace(/\+/g, " ");
      try { found = decodeURIComponent(value); } catch (e) { found = value; }
    });
    return found;
  }
  function pick(select, value) {
    if (!select || !value) return;
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) select.selectedIndex = i;
  }

  // One request for search.gif per settled search, so the host's log shows what people look for.
  function logSearch() {
    clearTimeout(logTimer);
    if (!lastQuery || lastQuery === logged) return;
    logged = lastQuery;
    new Image().src = "search.gif?q=" + encodeURIComponent(lastQuery) + "&n=" + lastCount;
  }
  var typing = null;
  // Reaching for the box (focus, a tap) starts the download, so results are ready by the first word.
  input.addEventListener("focus", function () { load(function () {}); });
  input.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { render(input.value); }, 120);
    clearTimeout(logTimer);
    logTimer = setTimeout(logSearch, 1500);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(typing);
    render(input.value);
    logSearch();
  });
  [levelPick, rolePick].forEach(function (select) {
    if (select) select.addEventListener("change", function () { render(input.value); });
  });
  list.addEventListener("click", function (event) { if (event.target.closest("a")) logSearch(); });
  window.addEventListener("pagehide", logSearch);

  pick(levelPick, param("level"));
  pick(rolePick, param("role"));
  var initial = param("q");
  if (initial) {
    input.value = initial;
    render(input.value);
    logTimer = setTimeout(logSearch, 300);
  }
})();
