// Search every title, summary and transcript line, offline, with an index split by term.
// Every part is a script that assigns into a global (fetch is refused from file://):
//   search-index.js            (the home page loads it: a few bytes) names the listing;
//   search/terms-<key>.js      (loaded when someone reaches for the box) names each bucket;
//   search/b/<xy>-<key>.js     the postings of every stem that starts with xy: resource numbers and lines;
//   search/r/<n>.js            one resource's row (title, lines, times), loaded for the hits shown;
//   search/facets-<key>.js     every resource's level, kind and roles, loaded when a filter is chosen.
// So a query loads the buckets of its words and the rows of its first hits, whatever the library's size.
// A hit links to the resource at the moment the words are said: r/<id>/index.html#t=SECONDS.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var form = document.getElementById("search");
  var levelPick = document.getElementById("level");
  var kindPick = document.getElementById("kind");
  var rolePick = document.getElementById("role");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var data = window.CAPTURE_INDEX;
  if (!input || !list) return;
  if (!data || !data.terms) { status.textContent = "The search index is missing: run capture build again."; return; }
  // MAX_WORDS: a pasted paragraph loads the buckets of its first few words, not the whole index.
  var MAX_SHOWN = 50, MAX_LINES = 3, MAX_WORDS = 8, TITLE = 0, SUMMARY = 1, FIRST_LINE = 2;
  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", VALUE = {};
  for (var d = 0; d < DIGITS.length; d++) VALUE[DIGITS.charAt(d)] = d;

  // Each file once, by a script tag; `then` runs when every one asked for has loaded or failed.
  var files = {}, incomplete = false;
  function load(paths, then) {
    var left = paths.length;
    if (!left) { then(); return; }
    paths.forEach(function (src) {
      var file = files[src];
      if (!file) {
        file = files[src] = { done: false, waiting: [] };
        var tag = document.createElement("script");
        tag.src = src;
        tag.onload = tag.onerror = function (event) {
          if (event.type === "error") incomplete = true;
          file.done = true;
          file.waiting.splice(0).forEach(function (run) { run(); });
        };
        document.head.appendChild(tag);
      }
      if (file.done) { if (--left === 0) then(); }
      else file.waiting.push(function () { if (--left === 0) then(); });
    });
  }
  function missing(paths) { return paths.filter(function (src) { return !(files[src] && files[src].done); }); }

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  function size(word) { return Array.from(word).length; }  // in code points, as Python counts
  // The same rules as pipeline/site/search.py's stem (a test keeps them equal): only ever cut an ending.
  var MIN_STEM = 3, MIN_WORD = 2, DOUBLED = "bdgmnprt";
  function ends(word, tails) { return tails.some(function (t) { return word.slice(-t.length) === t; }); }
  function undouble(cut) {
    var last = cut.charAt(cut.length - 1);
    return size(cut) > MIN_STEM && last === cut.charAt(cut.length - 2) && DOUBLED.indexOf(last) >= 0 ? cut.slice(0, -1) : cut;
  }
  function stem(word) {
    var n = size(word);
    if (ends(word, ["ies"]) && n - 3 >= MIN_STEM) return word.slice(0, -3);
    if (ends(word, ["sses", "shes", "ches", "xes", "zes"]) && n - 2 >= MIN_STEM) return word.slice(0, -2);
    if (ends(word, ["s"]) && !ends(word, ["ss", "us", "is"]) && n - 1 >= MIN_STEM) return word.slice(0, -1);
    if (ends(word, ["ing"]) && n - 3 >= MIN_STEM) return undouble(word.slice(0, -3));
    if (ends(word, ["ed"]) && n - 2 >= MIN_STEM) return undouble(word.slice(0, -2));
    return word;
  }
  // The same as pipeline/site/terms.py's file_name and buckets_for: a bucket's prefix as a file name,
  // and the buckets that may hold a stem starting with a token (the longest prefix of the token
  // that is a bucket, and every bucket the token is a prefix of).
  function fileName(prefix) {
    if (/^[a-z0-9]+$/.test(prefix)) return prefix;
    return "u" + Array.from(prefix).map(function (c) { return c.codePointAt(0).toString(16); }).join("-");
  }
  function own(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }
  function bucketsFor(token, buckets) {
    var points = Array.from(token), found = [];
    for (var n = points.length; n > 1 && !found.length; n--) {
      if (own(buckets, points.slice(0, n).join(""))) found.push(points.slice(0, n).join(""));
    }
    var longer = Object.keys(buckets).filter(function (name) { return name.length > token.length && name.indexOf(token) === 0; });
    return found.concat(longer.sort());
  }
  window.CAPTURE_SEARCH = { stem: stem, fold: fold, fileName: fileName, bucketsFor: bucketsFor };
  function escaped(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function tokensOf(query) {
    var seen = {};
    return fold(query).split(" ").filter(function (w) { return size(w) >= MIN_WORD; }).map(stem)
      .filter(function (t) { return seen[t] ? false : (seen[t] = true); }).slice(0, MAX_WORDS);
  }

  // Postings: per resource, the gap from the last resource's number, its lines' gaps, then 0.
  var decoded = {};
  function postings(bucket, term) {
    var key = bucket + " " + term;
    if (decoded[key]) return decoded[key];
    var text = window.CAPTURE_INDEX_PARTS[bucket][term], found = new Map(), value = 0, resource = -1, line = -1, lines = null;
    for (var i = 0; i < text.length; i++) {
      var digit = VALUE[text.charAt(i)];
      if (digit >= 32) { value = value * 32 + digit - 32; continue; }
      value = value * 32 + digit;
      if (lines === null) { resource += value; lines = []; line = -1; }
      else if (value === 0) { found.set(resource, lines); lines = null; }
      else { line += value; lines.push(line); }
      value = 0;
    }
    return (decoded[key] = found);
  }
  // Every resource a token is in, with its lines: the union over the stems that start with it.
  function matching(token, buckets) {
    var pairs = [];
    buckets.forEach(function (bucket) {
      var terms = (window.CAPTURE_INDEX_PARTS || {})[bucket] || {};
      Object.keys(terms).forEach(function (t) { if (t.indexOf(token) === 0) pairs.push([bucket, t]); });
    });
    if (pairs.length === 1) return postings(pairs[0][0], pairs[0][1]);
    var union = new Map();
    pairs.forEach(function (pair) {
      postings(pair[0], pair[1]).forEach(function (lines, resource) {
        union.set(resource, (union.get(resource) || []).concat(lines));
      });
    });
    union.forEach(function (lines, resource) {
      union.set(resource, lines.sort(function (a, b) { return a - b; }).filter(function (l, i) { return l !== lines[i - 1]; }));
    });
    return union;
  }

  // Each resource that has every token: scored from the postings alone, best first, then in catalogue order.
  function has(line) { return function (lines) { return lines.indexOf(line) >= 0; }; }
  function everywhere(all, line) { return all.every(has(line)); }
  function candidates(tokens, buckets, filters) {
    var lists = tokens.map(function (t, n) { return matching(t, buckets[n]); }).sort(function (a, b) { return a.size - b.size; });
    var keep = facetTest(filters), hits = [];
    lists[0].forEach(function (lines, resource) {
      if (keep && !keep(resource)) return;
      var all = [lines];
      for (var i = 1; i < lists.length; i++) {
        var other = lists[i].get(resource);
        if (!other) return;
        all.push(other);
      }
      var score = (everywhere(all, TITLE) ? 1000 : 0) + (everywhere(all, SUMMARY) ? 100 : 0);
      var common = lines.filter(function (line) { return line >= FIRST_LINE && everywhere(all, line); });
      // A phrase may run on into the next line: every token in a line or the one after it.
      var near = common.length || all.length < 2 ? [] : lines.concat(lines.map(function (l) { return l - 1; })).filter(function (line, i, both) {
        return line >= FIRST_LINE && both.indexOf(line) === i && all.every(function (l) { return l.indexOf(line) >= 0 || l.indexOf(line + 1) >= 0; });
      });
      if (common.length) score += 60 + 5 * Math.min(common.length, 20);
      else if (near.length) score += 30 + 2 * near.length;
      if (score) hits.push({ resource: resource, score: score });
    });
    return hits.sort(function (a, b) { return b.score - a.score || a.resource - b.resource; });
  }
  function filtered(filters) { return !!(filters.level || filters.kind || filters.role); }
  function facetTest(filters) {
    var f = window.CAPTURE_INDEX_FACETS;
    if (!filtered(filters) || !f) return null;
    var width = 1 + Math.ceil(f.roles.length / 6), kinds = f.kinds.length + 1;
    var level = f.levels.indexOf(filters.level) + 1, kind = f.kinds.indexOf(filters.kind) + 1, role = f.roles.indexOf(filters.role);
    return function (n) {
      var cell = VALUE[f.f.charAt(n * width)];
      if (filters.level && Math.floor(cell / kinds) !== level) return false;
      if (filters.kind && cell % kinds !== kind) return false;
      if (!filters.role) return true;
      return role >= 0 && ((VALUE[f.f.charAt(n * width + 1 + Math.floor(role / 6))] >> (role % 6)) & 1) === 1;
    };
  }

  // The hits shown, scored again from their rows' text: a phrase said in order counts for more.
  var prepared = {};
  function prepare(n) {
    if (prepared[n]) return prepared[n];
    var r = (window.CAPTURE_INDEX_ROWS || {})[n];
    if (!r) return null;
    var lines = r[7] ? r[7].split("\n") : [], starts = [], t = 0, offsets = [], parts = [], at = 0;
    r[6].forEach(function (gap) { t += gap; starts.push(t / 10); });
    lines.forEach(function (line) {
      var folded = fold(line);
      offsets.push(at); parts.push(folded); at += folded.length + 1;
    });
    return (prepared[n] = { id: r[0], title: r[1], summary: r[2], level: r[3], duration: r[4], lines: lines, starts: starts,
      chapters: r[8] || [], ftitle: fold(r[1]), fsummary: fold(r[2]), flines: parts, joined: parts.join(" "), offsets: offsets });
  }
  function lineAt(row, offset) {
    var lo = 0, hi = row.offsets.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (row.offsets[mid] <= offset) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function all(text, tokens) { return tokens.every(function (t) { return text.indexOf(t) >= 0; }); }
  function scored(row, tokens, phrase) {
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
    return { row: row, score: score, lines: lines, summary: inSummary };
  }
  function chapterAt(row, index) {
    var name = "";
    row.chapters.forEach(function (pair) { if (pair[0] <= index) name = pair[1]; });
    return name;
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
  function rowPath(terms, n) { return "search/r/" + n + ".js" + (terms.rows ? "?v=" + terms.rows : ""); }

  var lastQuery = null, lastCount = 0, logged = null, logTimer = null;
  // Load what the query needs, then come back with whatever the box holds by then.
  function wait(paths) {
    if (input.value.trim()) status.textContent = "Loading the search index…";
    load(paths, function () {
      render(input.value);
      clearTimeout(logTimer);
      logTimer = setTimeout(logSearch, 1500);
    });
  }
  function render(query) {
    var filters = chosen(), terms = window.CAPTURE_INDEX_TERMS;
    if (!query.trim()) { show(query, filters, [], [], 0); return; }
    if (!terms) {
      if (missing([data.terms]).length) wait([data.terms]);
      else status.textContent = "The search index did not load: reload the page to search.";
      return;
    }
    var tokens = tokensOf(query), buckets = tokens.map(function (t) { return bucketsFor(t, terms.b); });
    var known = tokens.length > 0 && buckets.every(function (b) { return b.length > 0; }), wanted = [];
    if (known) buckets.forEach(function (b) {
      b.forEach(function (prefix) { wanted.push("search/b/" + fileName(prefix) + "-" + terms.b[prefix] + ".js"); });
    });
    if (known && filtered(filters)) wanted.push(terms.facets);
    if (missing(wanted).length) { wait(wanted); return; }
    var found = known ? candidates(tokens, buckets, filters) : [], first = found.slice(0, MAX_SHOWN);
    var rows = first.map(function (hit) { return rowPath(terms, hit.resource); });
    if (missing(rows).length) { wait(rows); return; }
    var phrase = new RegExp(tokens.map(escaped).join("[\\p{L}\\p{N}]* "), "gu"), hits = [];
    first.forEach(function (hit) {
      var row = prepare(hit.resource), exact = row && scored(row, tokens, phrase);
      if (exact && exact.score) hits.push(exact);
    });
    hits.sort(function (a, b) { return b.score - a.score || a.row.title.localeCompare(b.row.title); });
    show(query, filters, tokens, hits, found.length - (first.length - hits.length));
  }

  function show(query, filters, tokens, hits, count) {
    lastQuery = query.trim(); lastCount = count;
    remember(lastQuery, filters);
    list.textContent = "";
    if (!lastQuery) { status.textContent = ""; return; }
    var within = describe(filters), short = tokens.length ? "" : ": type a word of two letters or more";
    status.textContent = (count === 0 ? "No clips" + within + " match “" + lastQuery + "”" + short + "."
      : count + (count === 1 ? " clip" : " clips") + within + (count === 1 ? " matches" : " match") + " “" + lastQuery + "”"
        + (count > hits.length ? "; showing the first " + hits.length + "." : "."))
      + (incomplete ? " Part of the search index did not load: reload the page to search every clip." : "");
    hits.forEach(function (hit) { list.appendChild(item(hit, tokens)); });
  }
  function item(hit, tokens) {
    var row = hit.row, li = document.createElement("li"), a = document.createElement("a");
    a.className = "hit-title";
    a.href = link(row, hit.lines.length ? row.starts[hit.lines[0]] : null);
    a.appendChild(marked(row.title, tokens));
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = " " + clock(row.duration) + (row.level ? " · " + row.level : "");
    li.appendChild(meta);
    if (hit.summary && row.summary) {
      var p = document.createElement("p");
      p.appendChild(marked(row.summary, tokens));
      li.appendChild(p);
    }
    if (!hit.lines.length) return li;
    var ul = document.createElement("ul");
    hit.lines.slice(0, MAX_LINES).forEach(function (index) {
      var entry = document.createElement("li"), jump = document.createElement("a"), time = document.createElement("span");
      jump.href = link(row, row.starts[index]);
      time.className = "hit-time";
      time.textContent = clock(row.starts[index]);
      jump.appendChild(time);
      var said = document.createElement("span");
      said.appendChild(marked(row.lines[index], tokens));
      jump.appendChild(said);
      var chapter = chapterAt(row, index);
      if (chapter) {
        var named = document.createElement("span");
        named.className = "hit-chapter";
        named.textContent = "in chapter: " + chapter;
        said.appendChild(named);
      }
      entry.appendChild(jump);
      ul.appendChild(entry);
    });
    li.appendChild(ul);
    return li;
  }

  function chosen() {
    return { level: levelPick ? levelPick.value : "", kind: kindPick ? kindPick.value : "", role: rolePick ? rolePick.value : "" };
  }
  function describe(filters) {
    var parts = [];
    if (filters.level) parts.push(levelPick.options[levelPick.selectedIndex].text.toLowerCase());
    if (filters.kind) parts.push(kindPick.options[kindPick.selectedIndex].text.toLowerCase());
    if (filters.role) parts.push("for " + rolePick.options[rolePick.selectedIndex].text.toLowerCase());
    return parts.length ? " (" + parts.join(", ") + ")" : "";
  }
  // The query and filters live in the address, so Back from a hit brings the results back.
  function remember(query, filters) {
    var parts = [];
    if (query) parts.push("q=" + encodeURIComponent(query));
    ["level", "role", "kind"].forEach(function (name) {
      if (filters[name]) parts.push(name + "=" + encodeURIComponent(filters[name]));
    });
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
  // Reaching for the box (focus, a tap) loads the listing, so the first word needs only its bucket.
  input.addEventListener("focus", function () { load([data.terms], function () {}); });
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
  [levelPick, kindPick, rolePick].forEach(function (select) {
    if (select) select.addEventListener("change", function () { render(input.value); });
  });
  list.addEventListener("click", function (event) { if (event.target.closest("a")) logSearch(); });
  window.addEventListener("pagehide", logSearch);

  pick(levelPick, param("level"));
  pick(kindPick, param("kind"));
  pick(rolePick, param("role"));
  var initial = param("q");
  if (initial) {
    input.value = initial;
    render(input.value);
    logTimer = setTimeout(logSearch, 300);
  }
})();
