"""Browser tests: lineage on run pages, write actions on runs and experiments, and pages that update live."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import Seeded


def _wait_text(page, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(f"document.querySelector({selector!r})?.innerText.includes({text!r})")


def test_lineage_of_runs(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """A parent lists its children, a child links its parent, a run lists the versions registered from it."""
    page.goto(f"{seeded.url}/#/runs/{seeded.parent_run}")
    page.wait_for_selector("#child-runs li")
    assert page.locator("#child-runs a").all_inner_texts() == ["child-0", "child-1"]
    assert page.locator("#parent-run").inner_text() == "No parent run."
    page.get_by_role("link", name="child-1").click()
    page.wait_for_function("document.querySelector('h1')?.innerText === 'Run child-1'")
    page.wait_for_selector("#parent-run a")
    assert page.locator("#parent-run a").get_attribute("href") == f"#/runs/{seeded.parent_run}"
    page.goto(f"{seeded.url}/#/runs/{seeded.long_run}")
    page.wait_for_selector("#produced-versions li")
    produced = page.locator("#produced-versions a").all_inner_texts()
    assert {f"{seeded.model} v1", f"{seeded.model} v2"} <= set(produced)
    assert page.locator("#inputs tbody tr").inner_text().split("\t") == ["train-set", "d1g3st", "training", "local"]
    page.screenshot(path=shots / "run-lineage.png", full_page=True)


def test_run_write_actions_are_events_on_the_live_pages(page, seeded: Seeded,  # type: ignore[no-untyped-def]
                                                         shots: Path) -> None:
    """Rename, tag, untag, delete and restore a run from its page: each shows on the page itself and
    arrives as an event on the live events page; an invalid tag shows its error beside the field."""
    run_id = seeded.client.create_run(seeded.lineage_experiment, run_name="editable").info.run_id
    live = page.context.new_page()
    live.goto(f"{seeded.url}/#/events?entity=run/{run_id}")
    live.wait_for_function("document.querySelector('#stream-state')?.innerText === 'live'")
    page.goto(f"{seeded.url}/#/runs/{run_id}")
    page.wait_for_selector("#rename-run")
    _wait_text(page, "#live-state", "live")
    page.locator("#rename-run-run_name").fill("edited")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_function("document.querySelector('h1')?.innerText === 'Run edited'")
    page.get_by_role("button", name="Set tag").click()  # no key
    _wait_text(page, "#set-tag-key-error", "key")
    assert page.locator("#set-tag-key").get_attribute("aria-invalid") == "true"
    page.locator("#set-tag-key").fill("stage")
    page.locator("#set-tag-value").fill("tuned")
    page.get_by_role("button", name="Set tag").click()
    page.wait_for_selector("#tags tr[data-key='stage']")
    assert seeded.client.get_run(run_id).data.tags["stage"] == "tuned"
    page.get_by_role("button", name="Delete stage").click()
    page.wait_for_function("!document.querySelector(\"#tags tr[data-key='stage']\")")
    page.get_by_role("button", name="Delete run").click()
    page.wait_for_selector("#run-deleted")
    page.screenshot(path=shots / "run-deleted.png", full_page=True)
    page.get_by_role("button", name="Restore run").click()
    page.wait_for_selector("#delete-run")
    assert page.locator("#run-deleted").count() == 0
    expected = ["run.updated", "run.tag_set", "run.tag_deleted", "run.deleted", "run.restored"]
    for kind in expected:
        live.locator(f"#events tbody tr[data-type='{kind}']").first.wait_for()
        page.locator(f"#run-events li[data-type='{kind}']").first.wait_for()
    shown = live.locator("#events tbody tr").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert [kind for kind in reversed(shown) if kind in expected] == expected  # newest first on the page
    live.screenshot(path=shots / "events-run-actions.png", full_page=True)
    live.close()


def test_open_run_page_updates_as_data_arrives(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """Metrics, params and a finished status logged by a client appear on an open run page by themselves."""
    client = seeded.client
    run_id = client.create_run(seeded.lineage_experiment, run_name="training").info.run_id
    page.goto(f"{seeded.url}/#/runs/{run_id}")
    page.wait_for_selector("#params")
    _wait_text(page, "#live-state", "live")
    client.log_param(run_id, "batch", "64")
    for step in range(3):
        client.log_metric(run_id, "val_loss", 1.0 / (step + 1), step=step)
    page.wait_for_selector("#metrics tr[data-key='val_loss']")
    page.wait_for_function("document.querySelector(\"#metrics tr[data-key='val_loss'] td:nth-child(3)\")"
                           "?.innerText === '2'")
    assert page.locator("#metrics tr[data-key='val_loss'] td").nth(1).inner_text() == "0.333333"
    assert page.locator("#params tr[data-key='batch'] td").nth(1).inner_text() == "64"
    client.set_terminated(run_id)
    _wait_text(page, "#run-status", "FINISHED")
    assert page.locator("#run-events li[data-type='run.metrics_logged']").count() >= 1
    page.screenshot(path=shots / "run-live.png", full_page=True)


def test_experiment_rename_delete_restore(page, seeded: Seeded, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """An experiment is renamed (a taken name is refused beside the field), deleted and restored from the list."""
    experiment_id = seeded.client.create_experiment("to-edit")
    page.goto(f"{seeded.url}/#/")
    page.wait_for_selector(f"#experiments tr[data-experiment='{experiment_id}']")
    page.locator("#rename-exp-experiment_id").select_option(experiment_id)
    page.get_by_role("button", name="Rename").click()  # empty name
    _wait_text(page, "#rename-exp-new_name-error", "required")
    page.locator("#rename-exp-new_name").fill(seeded.experiment_name)
    page.get_by_role("button", name="Rename").click()
    _wait_text(page, "#rename-exp-new_name-error", "already exists")
    page.locator("#rename-exp-experiment_id").select_option(experiment_id)
    page.locator("#rename-exp-new_name").fill("edited-exp")
    page.get_by_role("button", name="Rename").click()
    page.get_by_role("link", name="edited-exp").wait_for()
    page.get_by_role("button", name="Delete edited-exp").click()
    page.wait_for_function(f"!document.querySelector(\"#experiments tr[data-experiment='{experiment_id}']\")")
    page.locator("#show-deleted").click()
    row = page.locator(f"#experiments tr[data-experiment='{experiment_id}']")
    row.wait_for()
    assert row.locator("td.stage").inner_text() == "deleted"
    page.screenshot(path=shots / "experiments-deleted.png", full_page=True)
    page.get_by_role("button", name="Restore edited-exp").click()
    page.wait_for_function(f"document.querySelector(\"#experiments tr[data-experiment='{experiment_id}'] td.stage\")"
                           "?.innerText === 'active'")
    assert seeded.client.get_experiment(experiment_id).name == "edited-exp"


def test_experiment_tags_from_the_runs_page(page, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    """An experiment's tag is set and deleted from its runs page (each an event of the experiment)."""
    experiment_id = seeded.client.create_experiment("tagged-exp")
    page.goto(f"{seeded.url}/#/experiments/{experiment_id}")
    page.locator("#experiment-tags summary").click()
    page.locator("#set-exp-tag-key").fill("purpose")
    page.locator("#set-exp-tag-value").fill("ablation")
    page.get_by_role("button", name="Set experiment tag").click()
    page.wait_for_selector("#exp-tags tr[data-key='purpose']")
    assert page.locator("#exp-tags tr[data-key='purpose'] td").nth(1).inner_text() == "ablation"
    assert seeded.client.get_experiment(experiment_id).tags["purpose"] == "ablation"
    page.get_by_role("button", name="Delete purpose").click()
    page.wait_for_function("document.querySelector('#experiment-tags summary')?.innerText === 'Experiment tags (0)'")
    assert "purpose" not in seeded.client.get_experiment(experiment_id).tags
