"""Browser tests: a version page, and a model's timeline with its "as of" view computed from the events."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import Seeded


def _as_of_rows(page) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = page.locator("#as-of-versions tbody tr")
    return {rows.nth(i).get_attribute("data-version"): (rows.nth(i).locator("td.stage").inner_text(),
                                                        rows.nth(i).locator("td.aliases").inner_text())
            for i in range(rows.count())}


def test_timeline_and_as_of(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """Every stage transition and alias move is listed in order; "as of" a move shows the stages and
    aliases of that moment (not today's); a moment before the model existed is an error beside the field."""
    client, name = seeded.client, "tl-model"
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, f"runs:/{seeded.long_run}/model", run_id=seeded.long_run)
    client.transition_model_version_stage(name, 1, "Staging")
    client.set_registered_model_alias(name, "champion", 1)
    client.transition_model_version_stage(name, 1, "Production")
    client.set_registered_model_alias(name, "champion", 2)
    client.transition_model_version_stage(name, 2, "Production", archive_existing_versions=True)
    page.goto(f"{seeded.url}/#/models/{name}")
    page.locator("#timeline-link").click()
    page.wait_for_selector("#as-of-versions")
    moves = page.locator("#timeline tbody tr td:nth-child(3)").all_inner_texts()
    assert moves == ["version 1: None → Staging", "@champion → version 1", "version 1: Staging → Production",
                     "@champion → version 2 (was version 1)", "version 2: None → Production (archived 1)",
                     "version 1: Production → Archived (archived by version 2)"]
    assert _as_of_rows(page) == {"1": ("Archived", ""), "2": ("Production", "@champion")}
    page.screenshot(path=shots / "timeline.png", full_page=True)
    # As of the second move: version 1 was in Staging and held the alias.
    position = page.locator("#timeline tbody tr").nth(1).get_attribute("data-position")
    page.locator(f"button[data-as-of='{position}']").click()
    page.wait_for_function(f"document.querySelector('#as-of').dataset.position === '{position}'")
    assert _as_of_rows(page) == {"1": ("Staging", "@champion"), "2": ("None", "")}
    position = page.locator("#timeline tbody tr").nth(3).get_attribute("data-position")
    page.locator(f"button[data-as-of='{position}']").click()
    page.wait_for_function(f"document.querySelector('#as-of').dataset.position === '{position}'")
    assert _as_of_rows(page) == {"1": ("Production", ""), "2": ("None", "@champion")}
    page.screenshot(path=shots / "timeline-as-of.png", full_page=True)
    # A move made elsewhere joins the open timeline by itself, and "as of" it works at once.
    page.wait_for_function("document.querySelector('#timeline-live')?.innerText === 'live'")
    client.set_registered_model_alias(name, "challenger", 1)
    row = page.locator("#timeline tbody tr", has_text="@challenger → version 1")
    row.wait_for()
    row.get_by_role("button").click()
    page.wait_for_function(f"document.querySelector('#as-of').dataset.position === '{row.get_attribute('data-position')}'")
    assert _as_of_rows(page) == {"1": ("Archived", "@challenger"), "2": ("Production", "@champion")}
    # Every event of the model, and a moment before it existed.
    page.locator("#all-events").check()
    assert page.locator("#timeline tbody tr[data-type='model_version.created']").count() == 2
    page.locator("#as-of-time").fill("2000-01-01T00:00:00")
    page.get_by_role("button", name="Show as of").click()
    error = page.locator("#as-of-time-error")
    page.wait_for_function("document.querySelector('#as-of-time-error').innerText.includes('did not exist')")
    assert page.locator("#as-of-time").get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") == page.locator("#as-of-time").get_attribute("aria-describedby")


def test_version_page(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """A version shows its source run, its signature and how to load it; a tag set there is an event."""
    page.goto(f"{seeded.url}/#/models/{seeded.model}")
    page.get_by_role("link", name="Version 1", exact=True).click()
    page.wait_for_selector("#signature-inputs")
    assert page.locator("h1").inner_text() == f"{seeded.model} version 1"
    assert page.locator("#source-run a").first.get_attribute("href") == f"#/runs/{seeded.long_run}"
    inputs = page.locator("#signature-inputs tbody tr").all_inner_texts()
    assert [row.split("\t") for row in inputs] == [["x", "double", "required"], ["city", "string", "optional"]]
    assert page.locator("#signature-outputs tbody tr").inner_text().split("\t") == ["y", "double", "required"]
    assert page.locator("#model-uri").inner_text() == f"models:/{seeded.model}/1"
    assert f'load_model("models:/{seeded.model}/1")' in page.locator("#load-python").inner_text()
    assert page.locator("#registration-values").inner_text().count("param optimizer\tadam") == 1
    # A tag with an empty key: the error appears beside the key field; then a real tag.
    page.get_by_role("button", name="Set tag").click()
    page.wait_for_function("document.querySelector('#set-version-tag-key-error').innerText.includes('key')")
    page.locator("#set-version-tag-key").fill("reviewed")
    page.locator("#set-version-tag-value").fill("yes")
    page.get_by_role("button", name="Set tag").click()
    page.wait_for_selector("#version-tags tr[data-key='reviewed']")
    assert seeded.client.get_model_version(seeded.model, 1).tags == {"reviewed": "yes"}
    page.screenshot(path=shots / "version.png", full_page=True)
    page.get_by_role("button", name="Delete reviewed").click()
    page.wait_for_selector("p#version-tags")
    assert seeded.client.get_model_version(seeded.model, 1).tags == {}


def test_model_tags_and_rename(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """A model's tag and a new name set from its page go through the registry (and show in its history)."""
    seeded.client.create_registered_model("to-rename")
    page.goto(f"{seeded.url}/#/models/to-rename")
    page.wait_for_selector("#set-model-tag")
    page.locator("#set-model-tag-key").fill("owner")
    page.locator("#set-model-tag-value").fill("ml-team")
    page.get_by_role("button", name="Set tag").click()
    page.wait_for_selector("#model-tags tr[data-key='owner']")
    page.locator("#rename-model-new_name").fill("ui-model")  # taken: the error is shown beside the field
    page.get_by_role("button", name="Rename").click()
    page.wait_for_function("document.querySelector('#rename-model-new_name-error').innerText.length > 0")
    page.locator("#rename-model-new_name").fill("renamed-model")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_function("document.querySelector('h1')?.innerText === 'Model renamed-model'")
    assert page.locator("#model-tags tr[data-key='owner']").inner_text().split("\t")[1] == "ml-team"
    page.screenshot(path=shots / "model-renamed.png", full_page=True)
    page.locator("#timeline-link").click()
    page.wait_for_selector("#all-events")
    page.locator("#all-events").check()
    assert page.locator("#timeline tbody tr[data-type='registered_model.renamed'] td:nth-child(3)").inner_text() == \
        "renamed to-rename → renamed-model"


def test_model_page_notices_changes_made_elsewhere(page, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    """A change by another client shows a notice with a Reload button; the page's own changes do not."""
    client, name = seeded.client, "watched-model"
    client.create_registered_model(name)
    client.create_model_version(name, f"runs:/{seeded.long_run}/model", run_id=seeded.long_run)
    live = page.context.new_page()
    live.goto(f"{seeded.url}/#/events?subject=mlledger.registry.>")
    live.wait_for_function("document.querySelector('#stream-state')?.innerText === 'live'")
    page.goto(f"{seeded.url}/#/models/{name}")
    page.wait_for_selector("#versions tbody tr")
    for _ in range(4):  # the page's own edits: redrawn each time, never "changed elsewhere"
        page.get_by_label("stage of version 1").select_option("Staging")
        page.locator("button[data-transition='1']").click()
        page.wait_for_function("document.querySelector('#action-message')?.innerText.includes('Staging')")
    live.locator("#events tbody tr[data-type='model_version.stage_transitioned']").first.wait_for()
    page.wait_for_timeout(500)
    assert page.locator("#changed-elsewhere").is_hidden()
    client.transition_model_version_stage(name, 1, "Production")
    page.wait_for_function("document.querySelector('#changed-elsewhere')?.innerText.includes("
                           "'model_version.stage_transitioned by ')")
    assert page.locator("#versions tr[data-version='1'] td.stage").inner_text() == "Staging"
    page.locator("#reload-page").click()
    page.wait_for_function("document.querySelector(\"#versions tr[data-version='1'] td.stage\")"
                           "?.innerText === 'Production'")
    assert page.locator("#changed-elsewhere").is_hidden()
    live.close()
