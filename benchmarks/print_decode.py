"""How many printed QR codes decode back to their links, by layout and by resolution.

Makes a workspace with one journey of STEPS clips, prints it with `capture print` as a poster,
a sheet and labels, renders each page in Chromium (Debian's, through Playwright) at 1x and 2x
of 96 dpi, and decodes every code in the screenshots with zxing-cpp. Prints a Markdown table.

    python benchmarks/print_decode.py --steps 60
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_workspace(root: Path, steps: int) -> None:
    (root / "journeys").mkdir(parents=True)
    entries = "".join(
        f"  - id: clip-{n:03d}\n    title: How to clear film jam number {n} on the wrapper\n"
        f"    level: beginner\n    roles: [operator]\n    expert: Priya Nair\n    duration: {60 + n}\n"
        for n in range(steps)
    )
    (root / "resources.yaml").write_text(
        "title: Trial\nsite:\n  url: https://learning.example.com/packing/\n"
        f"roles:\n  - id: operator\n    name: Operator\nresources:\n{entries}",
        encoding="utf-8",
    )
    ids = ", ".join(f"clip-{n:03d}" for n in range(steps))
    (root / "journeys" / "long.yaml").write_text(
        f"title: A long journey\nroles: [operator]\nstages:\n  beginner: [{ids}]\n", encoding="utf-8"
    )


def decode(browser: object, sheet: Path, scale: int, *, blur: float = 0.0) -> tuple[int, int, int]:
    """(codes on the sheet, codes decoded, decoded to a wrong text) at ``scale`` x 96 dpi, blurred by ``blur`` px."""
    import zxingcpp
    from PIL import Image, ImageFilter

    page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=scale)  # type: ignore[attr-defined]
    page.goto(sheet.as_uri())
    wanted = page.evaluate("[...document.querySelectorAll('.link')].map(e => 'https://' + e.textContent)")
    found: list[str] = []
    for box in page.locator("section.page").all():
        image = Image.open(io.BytesIO(box.screenshot())).filter(ImageFilter.GaussianBlur(blur))
        found += [c.text for c in zxingcpp.read_barcodes(image)]
    page.close()
    return len(wanted), len(set(found) & set(wanted)), len(set(found) - set(wanted))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.support import launch_chromium, run_capture

    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        root = Path(folder)
        make_workspace(root, args.steps)
        browser = launch_chromium(playwright)
        for size in ("poster", "sheet", "label"):
            result = run_capture("print", "journey", "long", "--size", size, "-o", f"{size}.html", cwd=root)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            for scale, blur in ((1, 0.0), (2, 0.0), (1, 1.0), (2, 2.0)):
                total, good, wrong = decode(browser, root / f"{size}.html", scale, blur=blur)
                rows.append(f"| {size} | {96 * scale} dpi | {blur:g} px | {total} | {good} | {wrong} |")
        browser.close()
    print("| layout | resolution | blur (Gaussian radius) | codes | decoded to their link | decoded to anything else |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
