"""Browser tests: the compare page over more than 100 runs selected across pages of the runs table."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import RUNS, Seeded


def test_compare_more_than_a_hundred_runs(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """Runs selected on two pages are compared: param differences marked, metrics side by side, one
    overlaid chart line per run, and a parallel-coordinates line per run over the ticked axes."""
    page.goto(f"{seeded.url}/#/experiments/{seeded.experiment_id}")
    page.wait_for_selector("#runs[data-loaded]")
    page.locator("#select-page").click()
    page.locator("#next").click()
    page.wait_for_function("document.querySelector('#page-status').innerText.startsWith('Runs 101')")
    page.locator("#select-page").click()
    assert page.locator("#selected-count").inner_text() == f"{RUNS + 1} selected"
    page.locator("#compare-selected").click()
    page.wait_for_selector("#compare-params")
    assert page.locator("h1").inner_text() == f"Compare {RUNS + 1} runs"
    # Params: lr differs between runs (marked), optimizer only exists on the long run (also a difference).
    lr_row = page.locator("#compare-params tr[data-key='lr']")
    assert "diff" in lr_row.get_attribute("class") and lr_row.locator("th").inner_text() == "≠ lr"
    headers = page.locator("#compare-params thead th").all_inner_texts()
    assert len(headers) == RUNS + 2  # the key column and one per run
    column = headers.index("run-007")
    assert lr_row.locator("td").nth(column - 1).inner_text() == "0.008"
    # Metrics side by side: each run's latest acc under its name.
    acc_row = page.locator("#compare-metrics tr[data-key='acc']")
    metric_headers = page.locator("#compare-metrics thead th").all_inner_texts()
    for name in ("run-000", "run-057", "run-119"):
        assert float(acc_row.locator("td").nth(metric_headers.index(name) - 1).inner_text()) == seeded.runs[name]
    assert acc_row.locator("td").nth(metric_headers.index("long") - 1).inner_text() == "–"
    # The overlaid chart of acc: every run is a series (only the long run has loss).
    page.wait_for_selector("#chart[data-drawn] canvas")
    assert page.locator("#chart-info").inner_text().startswith(f"{RUNS + 1} runs:")
    page.locator("#compare-metric").select_option("loss")
    page.wait_for_function("document.querySelector('#chart-info').innerText.includes('of 100000 points')")
    # Parallel coordinates: one line per run, over the default axes; ticking another axis redraws.
    assert page.locator("#parallel-svg polyline").count() == RUNS + 1
    assert page.locator("#parallel").get_attribute("data-axes") == "param:lr,param:optimizer,metric:acc"
    page.locator("#only-diff").check()
    page.screenshot(path=shots / "compare.png", full_page=True)
    page.locator("input[data-axis='param:optimizer']").uncheck()
    page.wait_for_function("document.querySelector('#parallel').dataset.axes === 'param:lr,metric:acc'")
    assert page.locator("#parallel-svg .pc-axis").count() == 2
    # Brushing the upper half of the acc axis keeps exactly the runs whose acc lies in the reported range.
    hit = page.locator("#parallel .pc-axis[data-axis='metric: acc'] .pc-hit").bounding_box()
    x = hit["x"] + hit["width"] / 2
    page.mouse.move(x, hit["y"] + 1)
    page.mouse.down()
    page.mouse.move(x, hit["y"] + hit["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#brushed').innerText.includes('within metric: acc')")
    text = page.locator("#brushed").inner_text()  # "<kept> of 121 runs within metric: acc <low>–<high>"
    low, high = (float(v) for v in text.rsplit(" ", 1)[1].split("–"))
    kept = set(page.locator("#parallel-svg polyline:not(.dim)").evaluate_all("ls => ls.map(l => l.dataset.run)"))
    assert int(text.split(" of ")[0]) == len(kept) > 0 and high > low
    by_id = {run_id: seeded.runs[name] for name, run_id in seeded.run_ids.items()}
    assert all(low - 1e-3 <= by_id[run_id] <= high + 1e-3 for run_id in kept)
    assert all(not low + 1e-3 < acc < high - 1e-3 for run_id, acc in by_id.items() if run_id not in kept)
    page.screenshot(path=shots / "compare-brushed.png", full_page=True)
