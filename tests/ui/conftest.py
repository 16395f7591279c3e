"""Fixtures for the browser tests: a seeded stack with the gateway, and headless Debian chromium."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from mlledger import Dataset, DatasetInput
from mlledger.client import Client as MlledgerClient
from mlledger.testing import Infrastructure, TestStack, running_stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUNS = 120
LONG_POINTS = 100_000
MLMODEL = """flavors:
  python_function:
    loader_module: mlledger.pyfunc.model
    python_version: 3.11.2
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "city", "required": false}]'
  outputs: '[{"type": "double", "name": "y", "required": true}]'
"""


@dataclass
class Seeded:
    """What the tests seeded, to compare the pages against."""

    stack: TestStack
    client: MlledgerClient
    experiment_id: str
    experiment_name: str
    runs: dict[str, float] = field(default_factory=dict)  # run name -> its acc
    run_ids: dict[str, str] = field(default_factory=dict)  # run name -> run id
    long_run: str = ""
    model: str = "ui-model"
    lineage_experiment: str = ""
    parent_run: str = ""
    child_runs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.stack.gateway_uri


@pytest.fixture(scope="session")
def seeded(mlledger_infrastructure: Infrastructure, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A stack with one experiment of 120 runs (params, metrics, tags), a 100,000-point run with
    artifacts, and a registered model with two versions."""
    with running_stack(mlledger_infrastructure, gateway=True) as stack:
        client = MlledgerClient(stack.tracking_uri)
        seeded = Seeded(stack, client, client.create_experiment("ui-exp"), "ui-exp")
        for index in range(RUNS):
            name = f"run-{index:03d}"
            run = client.create_run(seeded.experiment_id, run_name=name, tags={"team": "red" if index % 2 else "blue"})
            acc = round((index * 37 % RUNS) / RUNS, 4)
            client.log_param(run.info.run_id, "lr", str(0.001 * (index + 1)))
            client.log_metric(run.info.run_id, "acc", acc, step=0)
            seeded.runs[name], seeded.run_ids[name] = acc, run.info.run_id
        long_run = client.create_run(seeded.experiment_id, run_name="long", tags={"team": "green"}).info.run_id
        steps = np.arange(LONG_POINTS)
        loss = np.exp(-steps / 20_000) + 0.05 * np.sin(steps / 50)
        loss[LONG_POINTS // 2] = 5.0  # one spike the down-sampling must keep
        client.log_metric_columns(long_run, {"loss": (loss.tolist(), (1_700_000_000_000 + steps).tolist(),
                                                      steps.tolist())})
        client.log_param(long_run, "optimizer", "adam")
        files = tmp_path_factory.mktemp("ui-artifacts")
        (files / "config.json").write_text(json.dumps({"layers": 3, "name": "net"}))
        (files / "notes.txt").write_text("first line of notes\nsecond line\n")
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot
        pyplot.figure(figsize=(2, 1.5))
        pyplot.plot(steps[::1000], loss[::1000])
        pyplot.savefig(files / "loss.png")
        pyplot.close("all")
        (files / "table.csv").write_text('epoch,loss,note\n1,0.9,"warm, up"\n2,0.5,steady\n')
        import pandas
        pandas.DataFrame({"epoch": range(1, 301), "loss": [1 / e for e in range(1, 301)],
                          "split": ["train", "test"] * 150}).to_parquet(files / "sample.parquet")
        for name in ("config.json", "notes.txt", "loss.png", "table.csv", "sample.parquet"):
            client.log_artifact(long_run, files / name)
        (files / "MLmodel").write_text(MLMODEL)
        client.log_artifact(long_run, files / "MLmodel", "model")
        seeded.long_run = long_run
        client.create_registered_model(seeded.model)
        for _ in range(2):
            client.create_model_version(seeded.model, f"runs:/{long_run}/model", run_id=long_run)
        client.set_registered_model_alias(seeded.model, "champion", 1)
        client.log_inputs(long_run, [DatasetInput(Dataset("train-set", "d1g3st", "local"), "training")])
        seeded.lineage_experiment = client.create_experiment("ui-lineage")
        seeded.parent_run = client.create_run(seeded.lineage_experiment, run_name="parent").info.run_id
        seeded.child_runs = [client.create_run(seeded.lineage_experiment, run_name=f"child-{i}",
                                               parent_run_id=seeded.parent_run).info.run_id for i in range(2)]
        yield seeded


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium driven by playwright (no browser download); per module, because the
    sync API keeps an event loop running in this thread while it is open (later asyncio tests need it free)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, seeded: Seeded):  # type: ignore[no-untyped-def]
    """A fresh page 1280x800; failed requests to other hosts are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.foreign_requests = []
    page.on("request", lambda request: None if request.url.startswith(seeded.url) or request.url.startswith(
        ("data:", "blob:")) else page.foreign_requests.append(request.url))
    page.set_default_timeout(30_000)
    yield page
    assert page.foreign_requests == []
    context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go (printed so they can be looked at)."""
    path = tmp_path_factory.mktemp("ui-screenshots")
    print(f"\nUI screenshots: {path}")
    return path
