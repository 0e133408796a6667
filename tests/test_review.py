"""Review: status, approve, edits that reach the next build's captions, transcribe again, the web page."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capture.cli import app
from pipeline.errors import EditConflictError, TranscriptError
from pipeline.ingest import AddOptions, add_clip
from pipeline.serve.review import ReviewServer, start_review
from pipeline.speech.review import approve_transcript, review_status, save_lines
from pipeline.speech.transcript import Line, read_transcript, read_transcript_text, transcript_version
from pipeline.workspace.catalogue import load_catalogue
from pipeline.workspace.paths import Workspace, init_workspace
from tests.key_words import explain, hears_enough
from tests.speech_helpers import SAMPLES, copy_workspace, script_of
from tests.support import launch_chromium

CLIP = "handover-with-a-running-fault.mp4"
RID = "running-fault"
runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one real clip added (real ffmpeg, real bundled model), copied for each test."""
    root = tmp_path_factory.mktemp("template") / "ws"
    workspace = init_workspace(root, title="Test site")
    result = add_clip(workspace, SAMPLES / CLIP, AddOptions(title="Running fault", expert="Priya Nair"))
    assert result.status == "added", result.message
    return root


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Workspace:
    return Workspace(copy_workspace(template, tmp_path / "ws"))


def cli(ws: Workspace, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--workspace", str(ws.root), *args])


def transcript_of(ws: Workspace):  # type: ignore[no-untyped-def]
    return read_transcript(ws.transcript_path(RID))


def review_in_catalogue(ws: Workspace) -> str:
    return load_catalogue(ws.catalogue_path).get(RID).review


def test_the_added_clip_is_transcribed_right(ws: Workspace) -> None:
    transcript = transcript_of(ws)
    assert (transcript.status, transcript.model) == ("draft", "tiny.en")
    assert hears_enough(CLIP, script_of(CLIP), transcript.text), explain(CLIP, script_of(CLIP), transcript.text)
    assert ws.words_path(RID).is_file()


# -- status ----------------------------------------------------------------------------------------------
def test_status_table(ws: Workspace) -> None:
    result = cli(ws, "status")
    assert result.exit_code == 0, result.output
    lines = len(transcript_of(ws).lines)
    assert re.search(rf"│ {RID}\s+│ draft\s+│ {lines}\s+│ tiny\.en\s+│ -\s+│", result.output), result.output
    assert "1 to review: capture review ID." in result.output


def test_status_json_and_a_disagreement(ws: Workspace) -> None:
    text = ws.catalogue_path.read_text(encoding="utf-8").replace("review: draft", "review: approved")
    ws.catalogue_path.write_text(text, encoding="utf-8")
    [row] = review_status(ws)
    assert row.problem == (
        "resources.yaml says review: approved, the transcript says status: draft; "
        f"run `capture approve {RID}` or fix one of them"
    )
    result = cli(ws, "status", "--json")
    assert json.loads(result.output)[0]["review"] == "draft"


# -- approve ---------------------------------------------------------------------------------------------
def test_approve_from_the_terminal(ws: Workspace) -> None:
    before = ws.catalogue_path.read_text(encoding="utf-8")
    result = cli(ws, "approve", RID, "--by", "Sam Okafor")
    assert result.exit_code == 0, result.output
    transcript = transcript_of(ws)
    assert (transcript.status, transcript.approved_by) == ("approved", "Sam Okafor")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", transcript.approved_at)
    assert review_in_catalogue(ws) == "approved"
    after = ws.catalogue_path.read_text(encoding="utf-8")
    # Only the review line changed: comments and everything else are kept.
    assert after == before.replace("review: draft", "review: approved")
    assert f"Approved {RID}" in result.output


def test_approve_defaults_to_the_expert(ws: Workspace) -> None:
    assert cli(ws, "approve", RID).exit_code == 0
    assert transcript_of(ws).approved_by == "Priya Nair"


def test_approve_needs_a_name(ws: Workspace) -> None:
    result = cli(ws, "approve", RID, "--by", "  ")
    assert result.exit_code == 1
    assert result.output == "Error: say who approves the transcript: give a name (--by NAME)\n"
    assert transcript_of(ws).status == "draft"


def test_approve_an_unknown_id(ws: Workspace) -> None:
    result = cli(ws, "approve", "nope", "--by", "X")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no resource with id 'nope' in resources.yaml (known: {RID}); see `capture list`\n"
    )


# -- edits -----------------------------------------------------------------------------------------------
def test_an_edited_line_appears_in_the_next_builds_captions(ws: Workspace) -> None:
    from pipeline.site.build import build_site

    build_site(ws)
    vtt = ws.site_dir / "r" / RID / "captions.vtt"
    assert "fault code" in vtt.read_text(encoding="utf-8")
    path = ws.transcript_path(RID)
    text = path.read_text(encoding="utf-8")
    first = next(row for row in text.splitlines() if row.startswith("["))
    path.write_text(text.replace(first, first[:10] + "Zorbly wibble is the edited line."), encoding="utf-8")
    build_site(ws)
    assert "Zorbly wibble is the edited line." in vtt.read_text(encoding="utf-8")


def test_save_lines_writes_back_and_notices_edits_made_elsewhere(ws: Workspace) -> None:
    path = ws.transcript_path(RID)
    version = transcript_version(path.read_text(encoding="utf-8"))
    lines = transcript_of(ws).lines
    lines[0] = Line(lines[0].start, "When you hand over a line with a running fault, say so.")
    lines[1] = Line(lines[1].start, "")  # deleted
    _saved, new_version = save_lines(ws, RID, lines, version=version)
    assert new_version != version
    assert transcript_of(ws).lines == [lines[0], *lines[2:]]
    with pytest.raises(EditConflictError) as caught:
        save_lines(ws, RID, lines, version=version)
    assert str(caught.value) == (
        f"{RID}.md changed on disk since the page loaded it; copy your edits, reload the page and make them again"
    )


def test_changing_an_approved_transcript_makes_it_a_draft_again(ws: Workspace) -> None:
    approve_transcript(ws, RID, "Sam")
    version = transcript_version(read_transcript_text(ws.transcript_path(RID)))
    lines = transcript_of(ws).lines
    _, same = save_lines(ws, RID, lines, version=version)  # nothing changed: still approved
    assert same == version and transcript_of(ws).status == "approved"
    save_lines(ws, RID, [Line(lines[0].start, "Changed."), *lines[1:]], version=version)
    assert (transcript_of(ws).status, transcript_of(ws).approved_by, review_in_catalogue(ws)) == ("draft", "", "draft")


def test_save_refuses_times_out_of_order(ws: Workspace) -> None:
    version = transcript_version(read_transcript_text(ws.transcript_path(RID)))
    with pytest.raises(TranscriptError, match=r"^line 2: its time comes before the line above it"):
        save_lines(ws, RID, [Line(5.0, "a"), Line(1.0, "b")], version=version)


ABSURD_TIME = "line 2: the time must be a number of seconds from 0 to 172800 (48:00:00.0); reload the page"


@pytest.mark.parametrize("start", [1e13, 1e308, float("inf"), float("nan"), -0.5, 172800.1])
def test_save_refuses_absurd_times_and_writes_nothing(ws: Workspace, start: float) -> None:
    before = ws.transcript_path(RID).read_text(encoding="utf-8")
    version = transcript_version(before)
    with pytest.raises(TranscriptError) as caught:
        save_lines(ws, RID, [Line(1.0, "a"), Line(start, "b")], version=version)
    assert str(caught.value) == ABSURD_TIME
    assert ws.transcript_path(RID).read_text(encoding="utf-8") == before
    assert sorted(p.name for p in ws.transcripts_dir.iterdir()) == [f"{RID}.md"]


def test_save_accepts_the_latest_time_and_it_reads_back(ws: Workspace) -> None:
    version = transcript_version(read_transcript_text(ws.transcript_path(RID)))
    save_lines(ws, RID, [Line(1.0, "a"), Line(172800.0, "b")], version=version)
    assert [(line.start, line.text) for line in transcript_of(ws).lines] == [(1.0, "a"), (172800.0, "b")]


def test_nothing_is_written_that_would_not_read_back() -> None:
    from pipeline.speech.review import readable_text
    from pipeline.speech.transcript import Transcript

    with pytest.raises(TranscriptError) as caught:
        readable_text(Transcript(id="t", lines=[Line(1.0, "a"), Line(1e13, "b")]), "t.md")
    assert str(caught.value) == (
        "cannot save t.md: it would not read back (t.md:7: cannot read the time in '[2777777777:46:40.0] b'; "
        "write it as [mm:ss.s], e.g. [01:23.4]); nothing was written"
    )
    assert readable_text(Transcript(id="t", lines=[Line(1.0, "a")]), "t.md").endswith("---\n[00:01.0] a\n")


# -- transcribe again ------------------------------------------------------------------------------------
def test_transcribe_refuses_an_approved_transcript_without_force(ws: Workspace) -> None:
    approve_transcript(ws, RID, "Sam Okafor")
    before = ws.transcript_path(RID).read_text(encoding="utf-8")
    result = cli(ws, "transcribe", RID)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: the transcript of {RID} is approved by Sam Okafor; transcribing again would "
        "replace the reviewed text: add --force to do it anyway\n"
    )
    assert ws.transcript_path(RID).read_text(encoding="utf-8") == before
    result = cli(ws, "transcribe", RID, "--force", "--beam-size", "1", "--no-vad")
    assert result.exit_code == 0, result.output
    assert "It is a draft" in result.output
    transcript = transcript_of(ws)
    assert transcript.status == "draft" and review_in_catalogue(ws) == "draft"
    assert hears_enough(CLIP, script_of(CLIP), transcript.text), explain(CLIP, script_of(CLIP), transcript.text)


def test_transcribe_with_a_model_folder_path(ws: Workspace) -> None:
    from pipeline.speech.transcribe import bundled_model_path

    result = cli(
        ws,
        "transcribe",
        RID,
        "--model",
        str(bundled_model_path()),
        "--device",
        "cpu",
        "--compute-type",
        "int8",
        "--language",
        "en",
        "--word-timestamps",
    )
    assert result.exit_code == 0, result.output
    assert "with tiny.en" in result.output


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--model", "tiny-supreme"],
            "Error: unknown speech model 'tiny-supreme'; use bundled, a faster-whisper name "
            "(tiny.en, tiny, base.en, base, small.en, small, medium.en, medium, ...) "
            "or a path to a CTranslate2 model folder\n",
        ),
        (["--beam-size", "0"], "Error: --beam-size: expected a whole number from 1 to 20, got 0\n"),
        (
            ["--language", "fr"],
            "Error: the model 'tiny.en' knows only English, but language is 'fr'; use a "
            "multilingual model (e.g. --model small) or --language en\n",
        ),
    ],
)
def test_transcribe_flags_are_checked_before_any_work(ws: Workspace, flags: list[str], message: str) -> None:
    before = ws.transcript_path(RID).read_text(encoding="utf-8")
    result = cli(ws, "transcribe", RID, *flags)
    assert (result.exit_code, result.output) == (1, message)
    assert ws.transcript_path(RID).read_text(encoding="utf-8") == before


def test_transcribe_a_named_model_offline(ws: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import huggingface_hub.constants as hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))
    result = cli(ws, "transcribe", RID, "--model", "base.en")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the speech model 'base.en' is not on this machine and downloads are switched off (HF_HUB_OFFLINE); "
        "use the bundled model (--model bundled, or transcription.model: bundled in resources.yaml) "
        "or a path to a CTranslate2 model folder\n"
    )


def test_captions_command_writes_srt(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "c.srt"
    result = cli(ws, "captions", RID, "--srt", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:0") and " --> " in text and "fault code" in text
    vtt = cli(ws, "captions", RID).output
    assert vtt.startswith("WEBVTT\n\n")


# -- the review server -----------------------------------------------------------------------------------
@pytest.fixture
def server(ws: Workspace) -> Iterator[ReviewServer]:
    srv = start_review(ws, RID)
    srv.start_in_thread()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(
    srv: ReviewServer, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    connection.request(method, path, body=data, headers={**sent, **(headers or {})})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def test_the_server_listens_on_loopback_only(server: ReviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"


def test_the_page_and_its_parts(server: ReviewServer) -> None:
    status, headers, page = request(server, "GET", "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert server.token.encode() in page
    status, _, data = request(server, "GET", "/api/transcript")
    payload = json.loads(data)
    assert payload["id"] == RID and payload["status"] == "draft" and payload["lines"]
    status, headers, vtt = request(server, "GET", "/captions.vtt")
    assert status == 200 and vtt.startswith(b"WEBVTT") and headers["content-type"].startswith("text/vtt")
    status, headers, chunk = request(server, "GET", "/media/video", headers={"Range": "bytes=100-199"})
    assert (
        status == 206
        and len(chunk) == 100
        and headers["content-range"].endswith(f"/{headers['content-range'].split('/')[1]}")
    )
    assert request(server, "GET", "/../resources.yaml")[0] == 404


def test_posts_need_the_token_the_origin_and_the_host(server: ReviewServer, ws: Workspace) -> None:
    before = ws.transcript_path(RID).read_text(encoding="utf-8")
    body = {"by": "Mallory"}
    status, _, data = request(server, "POST", "/api/approve", body)
    assert (status, json.loads(data)) == (403, {"error": "missing or wrong token; reload the review page"})
    token = {"X-Capture-Token": server.token}
    status, _, data = request(server, "POST", "/api/approve", body, {**token, "Origin": "http://evil.example"})
    assert (status, json.loads(data)) == (403, {"error": "requests from other sites are refused"})
    status, _, _ = request(server, "POST", "/api/approve", body, {**token, "Host": "evil.example"})
    assert status == 421
    assert ws.transcript_path(RID).read_text(encoding="utf-8") == before
    status, _, data = request(server, "POST", "/api/approve", body, {**token, "Origin": server.url.rstrip("/")})
    assert status == 200 and json.loads(data)["status"] == "approved"


def test_a_save_from_a_stale_page_is_refused(server: ReviewServer, ws: Workspace) -> None:
    token = {"X-Capture-Token": server.token}
    status, _, data = request(server, "POST", "/api/save", {"version": "old", "lines": []}, token)
    assert status == 409 and "changed on disk since the page loaded it" in json.loads(data)["error"]
    status, _, data = request(server, "POST", "/api/save", {"lines": "nonsense"}, token)
    assert status in (400, 409)


def raw_post(srv: ReviewServer, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"Content-Type": "application/json", "X-Capture-Token": srv.token}
    connection.request("POST", "/api/save", body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload


def test_the_api_refuses_absurd_times_before_writing(
    server: ReviewServer, ws: Workspace, capfd: pytest.CaptureFixture[str]
) -> None:
    before = ws.transcript_path(RID).read_text(encoding="utf-8")
    version = transcript_version(before)
    for start in ("1e13", "1e308", "1e400", "-1e400"):
        body = f'{{"version": "{version}", "lines": [{{"start": 0, "text": "a"}}, {{"start": {start}, "text": "b"}}]}}'
        assert raw_post(server, body.encode()) == (400, json.dumps({"error": ABSURD_TIME}).encode()), start
    refused = json.dumps({"error": "the request is not what the review page sends; reload the page"}).encode()
    huge = json.dumps({"version": version, "lines": [{"start": 10**400, "text": "b"}]})
    assert raw_post(server, huge.encode()) == (400, refused)
    assert raw_post(server, b"[" * 100_000 + b"]" * 100_000) == (400, json.dumps({"error": "not JSON"}).encode())
    assert ws.transcript_path(RID).read_text(encoding="utf-8") == before
    assert request(server, "GET", "/api/transcript")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_review_of_an_unknown_id(ws: Workspace) -> None:
    result = cli(ws, "review", "nope", "--no-open")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no resource with id 'nope'")


# -- in a real browser -----------------------------------------------------------------------------------


@pytest.mark.browser
def test_review_page_in_headless_chromium(server: ReviewServer, ws: Workspace) -> None:
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]")
            items = page.locator("#lines li")
            assert items.count() == len(transcript_of(ws).lines)
            assert page.locator("#status").inner_text() == "Draft: not yet approved"
            page.wait_for_function("document.getElementById('video').readyState >= 1")
            # Click the last line: the video jumps to its time.
            last = items.nth(items.count() - 1)
            start = float(last.get_attribute("data-start"))
            last.locator(".time").click()
            page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {start}) < 0.3")
            # Edit the first line and save: the file changes, atomically (no temp files left).
            box = items.nth(0).locator("textarea")
            box.fill("When you hand over a line with a running fault, never just say it is broken.")
            page.click("#save")
            page.wait_for_selector("#message:has-text('Saved.')")
            assert transcript_of(ws).lines[0].text == (
                "When you hand over a line with a running fault, never just say it is broken."
            )
            assert sorted(p.name for p in ws.transcripts_dir.iterdir()) == [f"{RID}.md"]
            # The captions track now says the edited words.
            vtt = page.evaluate("fetch('captions.vtt').then(r => r.text())")
            assert "never just say it is broken" in vtt
            # Approve with a name.
            page.fill("#by", "Priya Nair")
            page.click("#approve")
            page.wait_for_selector("body[data-status=approved]")
            transcript = transcript_of(ws)
            assert (transcript.status, transcript.approved_by) == ("approved", "Priya Nair")
            assert review_in_catalogue(ws) == "approved"
        finally:
            browser.close()


def test_capture_review_serves_until_interrupted(ws: Workspace) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.speech_helpers import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "capture", "review", RID, "--no-open"],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        # Read the second line here too: communicate() below reads the pipe's file descriptor
        # and would miss what this buffered reader has already taken from it.
        first += process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:(\d+)/)", first)
        assert match, first
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(2)), timeout=10)
        connection.request("GET", "/api/transcript")
        assert json.loads(connection.getresponse().read())["id"] == RID
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Only this computer can open it." in first and out.rstrip().endswith("Stopped.")


def test_a_port_in_use_says_choose_another(ws: Workspace, server: ReviewServer) -> None:
    from pipeline.errors import CaptureError

    with pytest.raises(CaptureError) as caught:
        start_review(ws, RID, server.port)
    assert (
        str(caught.value) == f"cannot listen on 127.0.0.1:{server.port} (Address already in use); choose another --port"
    )
