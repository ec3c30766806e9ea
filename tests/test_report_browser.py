"""The HTML review page in a real browser (Debian's Chromium driven by Playwright).

The page is opened from disk, both columns and the highlights are checked, one change
is rejected with the keyboard, the text is downloaded and compared with what the
review model says it must be; markup in the article must show as text and run nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retrans.app.api import Options, build_tooling
from retrans.app.cli import main
from retrans.repair.fixing import fix_text_loop
from retrans.report.review import build_review, resulting_text

from .conftest import SEEDS

CHROMIUM = "/usr/bin/chromium"
TEXT = (
    "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.\n"
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> is not markup here.\n'
    "Officials in Mexico City are impatient to discuss the extensions of both Canadian ports.\n"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs it with apt-get")
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _report(tmp_path: Path, text: str, name: str = "article.txt") -> Path:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["report", str(src), "--output-dir", str(out)]) == 0
    return out


def test_review_page_columns_reject_and_download(browser: Any, tmp_path: Path) -> None:
    out = _report(tmp_path, TEXT)
    page = browser.new_page(accept_downloads=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((out / "article.html").as_uri())

    rows = page.locator("#rows tr")
    assert rows.count() == 4  # three lines and the empty one after the last newline
    first = rows.nth(0)
    assert first.locator("td.orig .chg.on").first.inner_text() == "re -election"
    assert "re-election" in first.locator("td.fixed").inner_text()
    assert "Premier of Alberta" in first.locator("td.fixed").inner_text()
    assert "Prime Minister of Alberta" in first.locator("td.orig").inner_text()

    # Markup in the article is text, and nothing ran.
    assert "<script>window.__pwned = 1</script>" in rows.nth(1).locator("td.orig").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"

    # Reject the first change (re -election) with the keyboard: select it, press r.
    page.locator("td.orig .chg").first.click()
    page.keyboard.press("r")
    assert "re -election" in rows.nth(0).locator("td.fixed").inner_text()

    with page.expect_download() as info:
        page.click("#download")
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")

    tooling = build_tooling(Options())
    fixed = fix_text_loop(TEXT, tooling.pipeline.check, 0.7, accept=tooling.guard()).text
    review = build_review(TEXT, fixed, tooling.pipeline.check(TEXT))
    first_change = min(review.changes, key=lambda c: c.start)
    expected = resulting_text(review, {first_change.id: len(first_change.options) - 1})
    assert downloaded == expected
    assert "re -election" in downloaded and "Premier of Alberta" in downloaded and "expansions" in downloaded
    assert problems == []  # no CSP violations, no script errors
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    assert (tmp_path / "review.png").stat().st_size > 10_000


def test_seed_report_and_index(browser: Any, tmp_path: Path) -> None:
    seed = (SEEDS / "000_f35722fa09ccbc01.txt").read_text(encoding="utf-8")
    out = _report(tmp_path, seed, "000_f35722fa09ccbc01.txt")
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    link = page.locator("a", has_text="000_f35722fa09ccbc01.txt")
    assert link.count() == 1
    link.click()
    page.wait_for_selector("#rows tr")
    assert page.locator("td.orig .chg.on").count() >= 30
    assert page.locator("td.orig .chg.off").count() >= 3  # suggested only
    page.keyboard.press("j")
    assert page.locator(".chg.current").count() >= 1
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(tmp_path / "seed.png"))
    if os.environ.get("RETRANS_SCREENSHOT"):
        shutil.copy(tmp_path / "seed.png", os.environ["RETRANS_SCREENSHOT"])
