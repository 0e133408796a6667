// The review page: click a line to seek, edit, save, approve. No framework, no outside requests.
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
  let state = null;

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
      badge.textContent = "Approved by " + state.approved_by + (state.approved_at ? " (" + state.approved_at + ")" : "");
    } else {
      badge.className = "badge";
      badge.textContent = "Draft: not yet approved";
    }
    statusLine.replaceChildren(badge);
    document.body.dataset.status = state.status;
  }

  function render() {
    list.replaceChildren();
    state.lines.forEach(function (line, index) {
      const item = document.createElement("li");
      item.dataset.start = String(line.start);
      item.dataset.index = String(index);
      const time = document.createElement("button");
      time.type = "button";
      time.className = "time";
      time.textContent = clock(line.start);
      time.setAttribute("aria-label", "Play from " + clock(line.start));
      const box = document.createElement("textarea");
      box.rows = 1;
      box.value = line.text;
      box.setAttribute("aria-label", "Line at " + clock(line.start));
      box.addEventListener("input", function () {
        item.classList.toggle("changed", box.value !== line.text);
        saveButton.disabled = !dirty();
        fit(box);
      });
      item.append(time, box);
      item.addEventListener("click", function () { seek(line.start); });
      list.append(item);
    });
    list.querySelectorAll("textarea").forEach(fit);
    document.getElementById("empty").hidden = state.lines.length > 0;
    saveButton.disabled = true;
    showStatus();
  }

  function fit(box) {
    // Show the whole line: grow the box to its text.
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }

  function seek(seconds) {
    video.currentTime = seconds;
  }

  function edited() {
    return Array.from(list.querySelectorAll("li")).map(function (item) {
      return { start: Number(item.dataset.start), text: item.querySelector("textarea").value };
    });
  }

  function dirty() {
    return edited().some(function (line, i) { return line.text !== state.lines[i].text; });
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
    saveButton.disabled = true;
    say("Saving…");
    try {
      state = await post("api/save", { version: state.version, lines: edited() });
      render();
      reloadCaptions();
      say("Saved.");
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
      state = await post("api/approve", { by: byInput.value, version: state.version });
      render();
      say("Approved. Workers will see this transcript as reviewed.");
    } catch (error) {
      say("Not approved: " + error.message, true);
    }
  }

  video.addEventListener("timeupdate", function () {
    const now = video.currentTime;
    let current = null;
    list.querySelectorAll("li").forEach(function (item) {
      if (Number(item.dataset.start) <= now + 0.05) current = item;
      item.classList.remove("now");
    });
    if (current) current.classList.add("now");
  });
  saveButton.addEventListener("click", save);
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

  fetch("api/transcript").then(function (response) { return response.json(); }).then(function (data) {
    if (data.error) throw new Error(data.error);
    state = data;
    render();
    document.body.dataset.ready = "true";
  }).catch(function (error) { say("Cannot load the transcript: " + error.message, true); });
})();
