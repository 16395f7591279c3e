"""Browser tests: each page of the UI in headless chromium against a seeded stack."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.ui.conftest import LONG_POINTS, RUNS, Seeded


def _goto(page, seeded: Seeded, hash_path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{seeded.url}/#{hash_path}")


def _cells(page, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"#runs tbody tr td:nth-child({column})").all_inner_texts()


def test_experiments_list(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    _goto(page, seeded, "/")
    link = page.get_by_role("link", name=seeded.experiment_name)
    link.wait_for()
    row = page.locator("#experiments tr", has=link)
    assert seeded.experiment_id in row.inner_text()
    page.screenshot(path=shots / "experiments.png", full_page=True)
    link.click()
    page.wait_for_selector("#runs[data-loaded]")
    assert page.locator("h1").inner_text() == f"Runs of {seeded.experiment_name}"


def test_runs_table_sort_filter_and_paging(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    _goto(page, seeded, f"/experiments/{seeded.experiment_id}")
    page.wait_for_selector("#runs[data-loaded]")
    assert page.locator("#runs tbody tr").count() == 100
    assert page.locator("#page-status").inner_text() == "Runs 1–100"
    headers = page.locator("#runs thead th").all_inner_texts()
    assert "param: lr" in headers and "metric: acc" in headers
    acc_column = headers.index("metric: acc") + 1
    # Sort by acc: descending first, then ascending on a second click (the server orders all pages).
    stamp = page.locator("#runs").get_attribute("data-loaded")
    page.locator("button[data-sort='metric:acc']").click()
    page.wait_for_function(f"document.querySelector('#runs').dataset.loaded !== '{stamp}'")
    shown = [float(v) for v in _cells(page, acc_column)]
    assert shown[0] == max(seeded.runs.values()) and shown == sorted(shown, reverse=True)
    assert page.locator("th[data-col='metric:acc']").get_attribute("aria-sort") == "descending"
    stamp = page.locator("#runs").get_attribute("data-loaded")
    page.locator("button[data-sort='metric:acc']").click()
    page.wait_for_function(f"document.querySelector('#runs').dataset.loaded !== '{stamp}'")
    shown = [float(v) for v in _cells(page, acc_column)]
    assert shown[0] == min(seeded.runs.values()) and shown == sorted(shown)
    # Paging: the next page holds the rest, in the same order.
    page.locator("#next").click()
    page.wait_for_function("document.querySelector('#page-status').innerText.startsWith('Runs 101')")
    assert page.locator("#runs tbody tr").count() == RUNS + 1 - 100
    assert _cells(page, 2)[-1] == "long"  # it has no acc: sorted last
    page.locator("#prev").click()
    page.wait_for_function("document.querySelector('#page-status').innerText === 'Runs 1–100'")
    # The filter language.
    page.get_by_label("Filter").fill("metrics.acc > 0.9 and tags.team = 'red'")
    page.get_by_role("button", name="Search").click()
    expected = sorted(name for name, acc in seeded.runs.items() if acc > 0.9 and int(name[4:]) % 2)
    page.wait_for_function(f"document.querySelectorAll('#runs tbody tr').length === {len(expected)}")
    assert sorted(_cells(page, 2)) == expected
    page.screenshot(path=shots / "runs.png", full_page=True)
    # A bad filter shows the server's message and marks the column it names.
    page.get_by_label("Filter").fill("metrics.acc >>> 1")
    page.get_by_role("button", name="Search").click()
    error = page.locator("#filter-error")
    error.wait_for()
    page.wait_for_function("document.querySelector('#filter-error').innerText.length > 0")
    print("filter error shown:", error.inner_text())
    column = int(error.inner_text().split("at column ")[1].split()[0])
    assert 13 <= column <= 15  # the stray '>'s
    caret = page.locator("#filter-caret").inner_text().splitlines()
    assert caret == ["metrics.acc >>> 1", " " * (column - 1) + "^"]
    assert page.evaluate("document.activeElement.id") == "filter"
    assert page.evaluate("document.activeElement.selectionStart") == column - 1
    page.screenshot(path=shots / "runs-filter-error.png", full_page=True)


def test_run_page_values_and_artifacts(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    run_id = seeded.run_ids["run-007"]
    _goto(page, seeded, f"/runs/{run_id}")
    page.wait_for_selector("#params")
    assert page.locator("h1").inner_text() == "Run run-007"
    assert page.locator("#params tr", has_text="lr").inner_text().split("\t")[-1].strip() == "0.008"
    assert page.locator("#metrics tr", has_text="acc").locator("td").nth(1).inner_text() == \
        f"{seeded.runs['run-007']:g}"
    assert "blue" not in page.locator("#tags").inner_text() and "red" in page.locator("#tags").inner_text()
    _goto(page, seeded, f"/runs/{seeded.long_run}")
    page.wait_for_selector("#artifacts li")
    assert sorted(page.locator("#artifacts button[data-file]").all_inner_texts()) == \
        ["config.json", "loss.png", "notes.txt", "sample.parquet", "table.csv"]
    page.locator("button[data-file='table.csv']").click()
    page.wait_for_selector("#preview-table")
    assert page.locator("#preview-table thead th").all_inner_texts() == ["epoch", "loss", "note"]
    assert page.locator("#preview-table tbody tr").nth(0).inner_text().split("\t") == ["1", "0.9", "warm, up"]
    page.locator("button[data-file='sample.parquet']").click()
    page.wait_for_function("document.querySelector('#preview-rows')?.innerText === 'First 200 of 300 rows'")
    assert page.locator("#preview-table thead th").all_inner_texts() == ["epoch (int64)", "loss (double)",
                                                                        "split (large_string)"]
    assert page.locator("#preview-table tbody tr").nth(1).inner_text().split("\t") == ["2", "0.5", "test"]
    page.screenshot(path=shots / "run-parquet.png", full_page=True)
    page.locator("button[data-file='config.json']").click()
    page.wait_for_selector("#preview pre")
    assert json.loads(page.locator("#preview pre").inner_text()) == {"layers": 3, "name": "net"}
    page.locator("button[data-file='notes.txt']").click()
    page.wait_for_function("document.querySelector('#preview pre')?.innerText.startsWith('first line')")
    page.locator("button[data-file='loss.png']").click()
    image = page.locator("#preview img")
    image.wait_for()
    page.wait_for_function("document.querySelector('#preview img').naturalWidth > 0")
    page.screenshot(path=shots / "run.png", full_page=True)
    download = page.locator("#artifacts li", has_text="notes.txt").get_by_role("link", name="download")
    href = download.get_attribute("href")
    with urllib.request.urlopen(seeded.url + href) as response:
        assert response.read() == b"first line of notes\nsecond line\n"


def test_chart_of_a_long_run_resamples_on_zoom(page, seeded: Seeded,  # type: ignore[no-untyped-def]
                                               shots: Path) -> None:
    _goto(page, seeded, f"/runs/{seeded.long_run}")
    page.get_by_role("link", name="chart of loss").click()
    page.wait_for_selector("#chart[data-drawn] canvas")
    info = page.locator("#chart-info").inner_text()
    assert f"of {LONG_POINTS} points" in info
    shown = int(info.split(":")[1].split("of")[0])
    assert 100 < shown <= 1300
    page.screenshot(path=shots / "chart.png", full_page=True)
    # Drag across the middle tenth: the page asks the server for that window again.
    over = page.locator("#chart .u-over").bounding_box()
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * 0.45, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.55, y, steps=5)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#chart').dataset.range")
    page.wait_for_function(f"!document.querySelector('#chart-info').innerText.includes('of {LONG_POINTS} points')")
    start, end = (int(v) for v in page.locator("#chart").get_attribute("data-range").split(","))
    assert 40_000 < start < end < 60_000
    page.screenshot(path=shots / "chart-zoomed.png", full_page=True)
    page.get_by_role("button", name="Reset zoom").click()
    page.wait_for_function(f"document.querySelector('#chart-info').innerText.includes('of {LONG_POINTS} points')")


def test_models_and_stage_transition(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    _goto(page, seeded, "/models")
    link = page.get_by_role("link", name=seeded.model)
    link.wait_for()
    assert "@champion → v1" in page.locator("#models tr", has=link).inner_text()
    page.screenshot(path=shots / "models.png", full_page=True)
    link.click()
    page.wait_for_selector("#versions tbody tr")
    assert page.locator("#versions tbody tr").count() == 2
    assert "@champion" in page.locator("#versions tr[data-version='1']").inner_text()
    page.get_by_label("stage of version 2").select_option("Staging")
    page.locator("button[data-transition='2']").click()
    page.wait_for_function("document.querySelector('#action-message')?.innerText.includes('Staging')")
    assert page.locator("#versions tr[data-version='2'] td.stage").inner_text() == "Staging"
    assert seeded.client.get_model_version(seeded.model, 2).current_stage == "Staging"
    page.get_by_label("Alias").fill("candidate")
    page.locator("#alias-version").select_option("2")
    page.get_by_role("button", name="Set alias").click()
    page.wait_for_function("document.querySelector('#action-message')?.innerText.includes('candidate')")
    assert "@candidate" in page.locator("#versions tr[data-version='2']").inner_text()
    page.screenshot(path=shots / "model.png", full_page=True)


def test_live_events_page_shows_a_transition_made_in_the_ui(page, seeded: Seeded,  # type: ignore[no-untyped-def]
                                                            shots: Path) -> None:
    live = page.context.new_page()
    live.goto(f"{seeded.url}/#/events?subject=mlledger.registry.>")
    live.wait_for_function("document.querySelector('#stream-state')?.innerText === 'live'")
    assert live.locator("#subject").input_value() == "mlledger.registry.>"
    before = live.locator("#events tbody tr").count()
    assert before > 0  # the seeded registry events are replayed first
    assert live.locator("#events tbody tr[data-type^='run.']").count() == 0  # filtered by subject
    _goto(page, seeded, f"/models/{seeded.model}")
    page.get_by_label("stage of version 1").select_option("Production")
    page.locator("button[data-transition='1']").click()
    page.wait_for_function("document.querySelector('#action-message')?.innerText.includes('Production')")
    row = live.locator("#events tbody tr[data-type='model_version.stage_transitioned']",
                       has_text="toStage=STAGE_PRODUCTION")
    row.first.wait_for()
    assert "anonymous" in row.first.inner_text()
    live.screenshot(path=shots / "events.png", full_page=True)
    # An entity filter keeps only that entity's events.
    entity = row.first.locator("td").nth(3).inner_text()
    live.locator("#entity").fill(entity)
    live.get_by_role("button", name="Apply").click()
    live.wait_for_function(f"document.querySelector('#events tbody tr') && [...document.querySelectorAll("
                           f"'#events tbody tr td:nth-child(4)')].every(td => td.innerText === '{entity}')")
    live.close()
