// The review page: edit, add, split and retime lines, save, approve. No framework, no outside requests.
// The video moves only when asked (a line's time button); typing in a box never moves it.
// Chapter headings and on-screen notes are rows of their own: a heading belongs to the line after it,
// a note has its own time; the page sends every row in the order the file will hold them.
"use strict";
(function () {
  const token = document.querySelector('meta[name="capture-token"]').content;
  const video = document.getElementById("video");
  const list = document.getElementById("lines");
  const saveButton = document.getElementById("save");
  const approveButton = document.getElementById("approve");
  const byInput = document.getElementById("by");
  const message = document.getElementById("message");
  const statusLine = document.getElementById("status");
  const care = document.getElementById("care");
  const reapprove = document.getElementById("reapprove");
  const NUDGE = 0.5;
  let state = null;
  let working = [];
  let chapters = [];  // {title, suggested, before: the line object it comes before, or null after the last}
  let notes = [];  // {start, text}, kept in time order

  function clock(seconds) {
    const tenths = Math.round(seconds * 10);
    const minutes = Math.floor(tenths / 600);
    const rest = tenths - minutes * 600;
    return String(minutes).padStart(2, "0") + ":" + String(Math.floor(rest / 10)).padStart(2, "0") + "." + (rest % 10);
  }

  function say(text, isError) {
    message.textContent = text;
    message.className = "message" + (isError ? " error" : "");
  }

  function showStatus() {
    const badge = document.createElement("span");
    if (state.status === "approved") {
      badge.className = "badge ok";
      badge.textContent = "Approved by " + state.approved_by + (state.approved_on ? " on " + state.approved_on : "");
    } else {
      badge.className = "badge";
      badge.textContent = "Draft: not yet approved";
    }
    statusLine.replaceChildren(badge);
    document.body.dataset.status = state.status;
  }

  function speed(index) {
    // Characters a second a reader needs until the next line starts (or the clip ends).
    const line = working[index];
    const next = index + 1 < working.length ? working[index + 1].start : state.duration;
    const seconds = next - line.start;
    return seconds > 0 ? line.text.trim().length / seconds : 0;
  }

  function markSpeed(item, index) {
    const cps = speed(index);
    const fast = cps > state.max_cps;
    const note = item.querySelector(".fast-note");
    item.classList.toggle("fast", fast);
    note.hidden = !fast;
    note.textContent = fast ? "Too fast to read: " + Math.round(cps) + " characters a second (at most " +
      state.max_cps + "). Shorten the line, or split it and move the second part later." : "";
  }

  function fastLines() {
    return working.filter(function (line, index) { return speed(index) > state.max_cps; }).length;
  }

  function showCare() {
    const unsure = working.reduce(function (n, line) { return n + (line.unsure || []).length; }, 0);
    const fast = fastLines();
    const parts = [];
    if (unsure) parts.push(unsure + (unsure === 1 ? " word" : " words") + " the model was unsure of (marked ?)");
    if (fast) parts.push(fast + (fast === 1 ? " line" : " lines") + " too fast to read as captions");
    if (state.no_text.length) {
      parts.push(state.no_text.length + (state.no_text.length === 1 ? " stretch" : " stretches") + " of speech with no text");
    }
    const suggested = chapters.filter(function (c) { return c.suggested; }).length;
    let text = parts.length ? "Listen closely: " + parts.join("; ") + "." : "";
    if (suggested) {
      text += (text ? " " : "") + "Check the " + (suggested === 1 ? "suggested chapter" : suggested + " suggested chapters") +
        ": accept, rename or remove " + (suggested === 1 ? "it." : "them.");
    }
    care.textContent = text;
    care.hidden = !text;
    care.dataset.suggested = String(suggested);
    care.dataset.unsure = String(unsure);
    care.dataset.fast = String(fast);
  }

  function tool(label, name, action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tool";
    button.dataset.tool = name;
    button.textContent = label;
    button.addEventListener("click", action);
    return button;
  }

  function lineItem(line, index) {
    const item = document.createElement("li");
    item.dataset.start = String(line.start);
    item.dataset.index = String(index);
    const time = document.createElement("button");
    time.type = "button";
    time.className = "time";
    time.textContent = clock(line.start);
    time.setAttribute("aria-label", "Play from " + clock(line.start));
    time.addEventListener("click", function () { video.currentTime = line.start; });
    const box = document.createElement("textarea");
    box.rows = 1;
    box.value = line.text;
    box.setAttribute("aria-label", "Line at " + clock(line.start));
    box.addEventListener("input", function () {
      line.text = box.value;
      item.classList.toggle("changed", changedLine(index));
      fit(box);
      changed();
      markSpeed(item, index);
      showCare();
    });
    const body = document.createElement("div");
    body.className = "body";
    body.append(box);
    if ((line.unsure || []).length) {
      item.classList.add("unsure");
      const note = document.createElement("p");
      note.className = "unsure-words";
      note.textContent = "Unsure: " + line.unsure.join(", ");
      body.append(note);
    }
    const note = document.createElement("p");
    note.className = "fast-note";
    body.append(note);
    const tools = document.createElement("div");
    tools.className = "tools";
    tools.append(
      tool("\u2212" + NUDGE + " s", "earlier", function () { retime(index, line.start - NUDGE); }),
      tool("+" + NUDGE + " s", "later", function () { retime(index, line.start + NUDGE); }),
      tool("Start now", "now", function () { retime(index, video.currentTime); }),
      tool("Split", "split", function () { split(index, box); }),
      tool("Add line", "add", function () { addAfter(index); }),
      tool("Chapter here", "chapter", function () { addChapter(line); }),
      tool("Add note", "note", function () { addNote(index); })
    );
    if (index + 1 < working.length) tools.append(tool("Join next", "join", function () { join(index); }));
    body.append(tools);
    item.append(time, body);
    markSpeed(item, index);
    item.classList.toggle("changed", changedLine(index));
    return item;
  }

  function gapItem(gap) {
    const item = document.createElement("li");
    item.className = "no-text";
    item.dataset.start = String(gap.start);
    const text = document.createElement("span");
    text.textContent = "Speech with no text at " + gap.span + ": listen, then add what is said.";
    item.append(
      text,
      tool("Play", "play-gap", function () { video.currentTime = gap.start; }),
      tool("Add line here", "add-gap", function () { insertAt(gap.start); })
    );
    return item;
  }

  function chapterItem(chapter) {
    const item = document.createElement("li");
    item.className = "chapter-row" + (chapter.suggested ? " suggested" : "");
    item.dataset.chapter = String(chapters.indexOf(chapter));
    const label = document.createElement("label");
    label.className = "chapter-label";
    label.append(chapter.suggested ? "Suggested chapter " : "Chapter ");
    const input = document.createElement("input");
    input.type = "text";
    input.value = chapter.title;
    input.addEventListener("input", function () { chapter.title = input.value; changed(); });
    label.append(input);
    item.append(label);
    const tools = document.createElement("div");
    tools.className = "tools";
    if (chapter.suggested) {
      tools.append(tool("Accept", "accept", function () { chapter.suggested = false; render(); say("Chapter accepted; Save to keep it."); }));
    }
    tools.append(tool("Remove", "remove-chapter", function () {
      chapters.splice(chapters.indexOf(chapter), 1);
      render();
      say("Chapter removed; Save to keep the change.");
    }));
    item.append(tools);
    return item;
  }

  function noteItem(note) {
    const item = document.createElement("li");
    item.className = "note-row";
    item.dataset.note = String(notes.indexOf(note));
    item.dataset.start = String(note.start);
    const time = document.createElement("button");
    time.type = "button";
    time.className = "time";
    time.textContent = clock(note.start);
    time.setAttribute("aria-label", "Play from " + clock(note.start));
    time.addEventListener("click", function () { video.currentTime = note.start; });
    const body = document.createElement("div");
    body.className = "body";
    const label = document.createElement("span");
    label.className = "note-label";
    label.textContent = "On screen:";
    const box = document.createElement("textarea");
    box.rows = 1;
    box.value = note.text;
    box.setAttribute("aria-label", "On-screen note at " + clock(note.start));
    box.addEventListener("input", function () { note.text = box.value; fit(box); changed(); });
    const tools = document.createElement("div");
    tools.className = "tools";
    tools.append(
      tool("\u2212" + NUDGE + " s", "note-earlier", function () { retimeNote(note, note.start - NUDGE); }),
      tool("+" + NUDGE + " s", "note-later", function () { retimeNote(note, note.start + NUDGE); }),
      tool("Start now", "note-now", function () { retimeNote(note, video.currentTime); }),
      tool("Remove", "remove-note", function () { notes.splice(notes.indexOf(note), 1); render(); say("Note removed; Save to keep the change."); })
    );
    body.append(label, box, tools);
    item.append(time, body);
    return item;
  }

  function byStart(a, b) { return a.start - b.start; }

  function ordered() {
    // Every row in the file's order: a note after the lines said before or at its time, a heading before its line.
    const rows = [];
    let next = 0;
    working.forEach(function (line, index) {
      while (next < notes.length && notes[next].start < line.start) rows.push({ kind: "note", item: notes[next++] });
      chapters.forEach(function (c) { if (c.before === line) rows.push({ kind: "chapter", item: c }); });
      rows.push({ kind: "line", item: line, index: index });
    });
    while (next < notes.length) rows.push({ kind: "note", item: notes[next++] });
    chapters.forEach(function (c) { if (working.indexOf(c.before) < 0) rows.push({ kind: "chapter", item: c }); });
    return rows;
  }

  function sent() {
    return ordered().map(function (row) {
      if (row.kind === "chapter") return { kind: "chapter", text: row.item.title, suggested: row.item.suggested };
      return { kind: row.kind, start: row.item.start, text: row.item.text };
    });
  }

  function render(focusIndex) {
    const items = ordered().map(function (row) {
      if (row.kind === "chapter") return chapterItem(row.item);
      if (row.kind === "note") return noteItem(row.item);
      return lineItem(row.item, row.index);
    });
    state.no_text.forEach(function (gap) {
      const at = items.findIndex(function (item) { return Number(item.dataset.start) > gap.start; });
      const gapped = gapItem(gap);
      if (at < 0) items.push(gapped); else items.splice(at, 0, gapped);
    });
    list.replaceChildren.apply(list, items);
    list.querySelectorAll("textarea").forEach(fit);
    document.getElementById("empty").hidden = working.length > 0;
    showStatus();
    showCare();
    changed();
    if (focusIndex !== undefined) {
      const box = list.querySelector('li[data-index="' + focusIndex + '"] textarea');
      if (box) box.focus({ preventScroll: false });
    }
  }

  function fit(box) {
    // Show the whole line: grow the box to its text.
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }

  function changedLine(index) {
    const was = state.lines[index];
    const now = working[index];
    return !was || was.start !== now.start || was.text !== now.text || working.length !== state.lines.length;
  }

  function dirty() {
    if (JSON.stringify(sent()) !== state.sent) return true;
    if (working.length !== state.lines.length) return true;
    return working.some(function (line, i) { return line.start !== state.lines[i].start || line.text !== state.lines[i].text; });
  }

  function changed() {
    const isDirty = dirty();
    saveButton.disabled = !isDirty;
    // Said before it happens, in one place: saving an approved transcript makes it a draft again.
    reapprove.hidden = !(isDirty && state.status === "approved");
    saveButton.textContent = reapprove.hidden ? "Save" : "Save as draft";
  }

  function bounds(index) {
    const low = index > 0 ? working[index - 1].start : 0;
    const high = index + 1 < working.length ? working[index + 1].start : (state.duration || Infinity);
    return [low, high];
  }

  function rounded(seconds) { return Math.round(seconds * 10) / 10; }

  function retime(index, seconds) {
    const [low, high] = bounds(index);
    const wanted = rounded(seconds);
    const start = Math.min(Math.max(wanted, low), high);
    if (start !== wanted) say("Kept between the lines either side (" + clock(low) + " to " + clock(high) + ").");
    working[index].start = start;
    render();
  }

  function between(low, high) {
    const now = video.currentTime;
    if (now > low && now < high) return rounded(now);
    return rounded(Number.isFinite(high) ? (low + high) / 2 : low + 1);
  }

  function split(index, box) {
    const line = working[index];
    const cut = box.selectionStart > 0 && box.selectionStart < line.text.length ? box.selectionStart : Math.ceil(line.text.length / 2);
    const before = line.text.slice(0, cut).trim();
    const after = line.text.slice(cut).trim();
    if (!before || !after) { say("Put the cursor where the line should split, then press Split.", true); return; }
    const [, high] = bounds(index);
    line.text = before;
    working.splice(index + 1, 0, { start: between(line.start, high), text: after, unsure: [] });
    render(index + 1);
    say("Split into two lines; check the second line's time.");
  }

  function join(index) {
    const line = working[index];
    const next = working[index + 1];
    line.text = (line.text.trim() + " " + next.text.trim()).trim();
    line.unsure = (line.unsure || []).concat(next.unsure || []);
    chapters.forEach(function (c) { if (c.before === next) c.before = line; });  // a heading is never lost
    working.splice(index + 1, 1);
    render(index);
    say("Joined with the next line.");
  }

  function replaceAll() {
    const find = document.getElementById("find").value;
    const by = document.getElementById("replace").value;
    if (!find) { say("Type the words to find first.", true); return; }
    let count = 0;
    working.forEach(function (line) {
      const parts = line.text.split(find);
      count += parts.length - 1;
      line.text = parts.join(by);
    });
    render();
    say(count ? "Replaced " + count + (count === 1 ? " time" : " times") + "; check, then Save." : "“" + find + "” is not in the transcript.", !count);
  }

  function addChapter(line) {
    const chapter = { title: "", suggested: false, before: line };
    chapters.push(chapter);
    render();
    const input = list.querySelector('li[data-chapter="' + chapters.indexOf(chapter) + '"] input');
    if (input) input.focus();
    say("Added a chapter heading before this line: type its name. An empty heading is left out when you save.");
  }

  function addNote(index) {
    const [, high] = bounds(index);
    const note = { start: between(working[index].start, high), text: "" };
    notes.push(note);
    notes.sort(byStart);
    render();
    const box = list.querySelector('li[data-note="' + notes.indexOf(note) + '"] textarea');
    if (box) box.focus();
    say("Added an on-screen note: describe what is shown, not said. It is never in the captions.");
  }

  function retimeNote(note, seconds) {
    const high = state.duration || Infinity;
    note.start = Math.min(Math.max(rounded(seconds), 0), high);
    notes.sort(byStart);
    render();
  }

  function addAfter(index) {
    const [, high] = bounds(index);
    working.splice(index + 1, 0, { start: between(working[index].start, high), text: "", unsure: [] });
    render(index + 1);
    say("Added a line: type what is said. An empty line is left out when you save.");
  }

  function insertAt(seconds) {
    let at = working.findIndex(function (line) { return line.start > seconds; });
    if (at < 0) at = working.length;
    working.splice(at, 0, { start: rounded(seconds), text: "", unsure: [] });
    render(at);
    say("Added a line: type what is said. An empty line is left out when you save.");
  }

  function load(data) {
    state = data;
    working = data.lines.map(function (line) { return { start: line.start, text: line.text, unsure: line.unsure }; });
    notes = (data.notes || []).map(function (note) { return { start: note.start, text: note.text }; });
    chapters = (data.chapters || []).map(function (c) {
      return { title: c.title, suggested: c.suggested, before: c.before === null ? null : working[c.before] };
    });
    state.sent = JSON.stringify(sent());
    render();
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Capture-Token": token },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function reloadCaptions() {
    const track = document.getElementById("captions");
    const fresh = track.cloneNode();
    fresh.src = "captions.vtt?v=" + encodeURIComponent(state.version);
    track.replaceWith(fresh);
    fresh.track.mode = "showing";
  }

  async function save() {
    const wasApproved = state.status === "approved";
    saveButton.disabled = true;
    say("Saving…");
    try {
      load(await post("api/save", { version: state.version, rows: sent() }));
      reloadCaptions();
      say(wasApproved && state.status === "draft" ? "Saved. It is a draft now: approve it again when it is right." : "Saved.");
    } catch (error) {
      saveButton.disabled = false;
      say("Not saved: " + error.message, true);
    }
  }

  async function approve() {
    if (!byInput.value.trim()) {
      say("Type your name in \u201cApproved by\u201d first.", true);
      byInput.focus();
      return;
    }
    if (dirty()) await save();
    if (dirty()) return;
    say("Approving…");
    try {
      load(await post("api/approve", { by: byInput.value, version: state.version }));
      say("Approved. Workers will see this transcript as reviewed.");
    } catch (error) {
      say("Not approved: " + error.message, true);
    }
  }

  video.addEventListener("timeupdate", function () {
    const now = video.currentTime;
    let current = null;
    list.querySelectorAll("li[data-index]").forEach(function (item) {
      if (Number(item.dataset.start) <= now + 0.05) current = item;
      item.classList.remove("now");
    });
    if (current) current.classList.add("now");
  });
  window.addEventListener("resize", function () { list.querySelectorAll("textarea").forEach(fit); });
  saveButton.addEventListener("click", save);
  document.getElementById("replace-all").addEventListener("click", replaceAll);
  approveButton.addEventListener("click", approve);
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      if (dirty()) save();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (state && dirty()) event.preventDefault();
  });

  // The glossary: a word the model got wrong, spelled right from the next transcription on.
  async function addWord(event) {
    event.preventDefault();
    const box = document.getElementById("glossary-word");
    const word = box.value.trim();
    if (!word) {
      say("Type the word to add to the glossary first.", true);
      box.focus();
      return;
    }
    try {
      const data = await post("api/glossary", { word: word });
      box.value = "";
      say(data.added ? "\u201c" + data.word + "\u201d is in the glossary now." : "\u201c" + data.word + "\u201d was in the glossary already.");
    } catch (error) {
      say("Not added: " + error.message, true);
    }
  }
  document.getElementById("glossary").addEventListener("submit", addWord);

  fetch("api/transcript").then(function (response) { return response.json(); }).then(function (data) {
    if (data.error) throw new Error(data.error);
    load(data);
    document.body.dataset.ready = "true";
  }).catch(function (error) { say("Cannot load the transcript: " + error.message, true); });
})();
