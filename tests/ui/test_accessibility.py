"""Accessibility of the pages: every control labelled, text contrast of at least 4.5:1, keyboard use."""

from __future__ import annotations

import pytest

from tests.ui.conftest import Seeded

#: Runs in the browser: the problems of the current page (unlabelled controls, low-contrast text, tabindex > 0).
AUDIT = """() => {
  const problems = [];
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const visible = (e) => (e.checkVisibility ? e.checkVisibility() : e.getClientRects().length > 0)
    && getComputedStyle(e).visibility !== "hidden";
  for (const control of document.querySelectorAll("main input, main select, main textarea, main button")) {
    if (!visible(control)) continue;
    const labelled = control.labels && [...control.labels].map((l) => l.textContent).join(" ").trim();
    const name = control.getAttribute("aria-label") || labelled
      || (control.tagName === "BUTTON" && control.innerText.trim());
    if (!name) problems.push(`unlabelled ${control.outerHTML.slice(0, 80)}`);
  }
  for (const e of document.querySelectorAll("[tabindex]")) {
    if (Number(e.getAttribute("tabindex")) > 0) problems.push(`tabindex>0 on ${e.tagName}`);
  }
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(e) || !visible(e)) continue;
    seen.add(e);
    const style = getComputedStyle(e);
    const fg = rgb(e instanceof SVGElement ? style.fill : style.color);
    const [a, b] = [lum(fg) + 0.05, lum(background(e)) + 0.05];
    const ratio = Math.max(a, b) / Math.min(a, b);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} on ${e.tagName} "${e.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
}"""


def _pages(seeded: Seeded) -> dict[str, tuple[str, str]]:
    runs = ",".join(list(seeded.run_ids.values())[:5] + [seeded.long_run])
    return {
        "experiments": ("/", "#experiments"),
        "runs": (f"/experiments/{seeded.experiment_id}", "#runs[data-loaded]"),
        "run": (f"/runs/{seeded.long_run}", "#produced-versions"),
        "compare": (f"/compare?runs={runs}", "#chart[data-drawn]"),
        "chart": (f"/chart?runs={seeded.long_run}&metric=loss", "#chart[data-drawn]"),
        "models": ("/models", "#models"),
        "model": (f"/models/{seeded.model}", "#versions"),
        "version": (f"/models/{seeded.model}/versions/1", "#signature-inputs"),
        "timeline": (f"/models/{seeded.model}/timeline", "#as-of-versions"),
        "events": ("/events", "#events"),
    }


@pytest.mark.parametrize("name", ["experiments", "runs", "run", "compare", "chart", "models", "model", "version",
                                  "timeline", "events"])
def test_page_has_labels_and_contrast(page, seeded: Seeded, name: str) -> None:  # type: ignore[no-untyped-def]
    """No unlabelled control, no text below 4.5:1 contrast, no positive tabindex."""
    path, ready = _pages(seeded)[name]
    page.goto(f"{seeded.url}/#{path}")
    page.wait_for_selector(ready)
    problems = page.evaluate(AUDIT)
    assert problems == [], "\n".join(problems)


def test_keyboard_alone_reaches_an_as_of_view(page, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    """From the top of the timeline page, Tab reaches the first "As of this" button and Enter uses it."""
    page.goto(f"{seeded.url}/#/models/{seeded.model}/timeline")
    page.wait_for_selector("#timeline button[data-as-of]")
    first = page.locator("#timeline button[data-as-of]").first
    target = first.get_attribute("data-as-of")
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.asOf") == target:
            break
    else:
        pytest.fail("Tab never reached the first 'As of this' button")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('#as-of').dataset.position === '{target}'")


def test_keyboard_alone_compares_selected_runs(page, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    """Space ticks a run's box and Enter on "Compare selected" opens the compare page, all from the keyboard."""
    page.goto(f"{seeded.url}/#/experiments/{seeded.experiment_id}")
    page.wait_for_selector("#runs[data-loaded]")
    boxes = page.locator("#runs tbody input[type=checkbox]")
    for index in range(2):
        boxes.nth(index).focus()
        page.keyboard.press("Space")
    page.locator("#compare-selected").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('h1')?.innerText === 'Compare 2 runs'")
