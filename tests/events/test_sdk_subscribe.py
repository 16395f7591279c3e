"""mlledger.events.subscribe: iterator and callback forms, decoded payloads, durable resumption."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import mlledger

SCRIPT = Path(__file__).with_name("subscriber_script.py")


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_iterator_decodes_payloads_and_resumes_from_a_stored_position(mlledger_stack, client, experiment_id):
    """Events come decoded; a new subscription after a stored position starts right after it."""
    runs = [client.create_run(experiment_id).info.run_id for _ in range(4)]
    seen = []
    with mlledger.events.subscribe("mlledger.tracking.run.created", tracking_uri=mlledger_stack.tracking_uri) as sub:
        for event in sub:
            if event.payload.experiment_id == experiment_id:
                assert event.payload_type == "mlledger.v1.RunCreated"
                assert event.actor == "events-tests" and event.entity == f"run/{event.payload.run_id}"
                seen.append(event)
            if len(seen) == 2:
                break
    stored = seen[-1].position
    with mlledger.events.subscribe("mlledger.tracking.run.created", after_position=stored,
                                   tracking_uri=mlledger_stack.tracking_uri) as sub:
        rest = []
        for event in sub:
            if event.payload.experiment_id == experiment_id:
                rest.append(event.payload.run_id)
            if len(rest) == 2:
                break
    assert [e.payload.run_id for e in seen] + rest == runs


def test_callback_form_receives_live_events(mlledger_stack, client, experiment_id):
    """A callback subscription from now gets a run created afterwards."""
    got: list[str] = []
    arrived = threading.Event()

    def on_event(event: mlledger.events.ReceivedEvent) -> None:
        if event.type == "run.created" and event.payload.experiment_id == experiment_id:
            got.append(event.payload.run_id)
            arrived.set()

    sub = mlledger.events.subscribe(from_now=True, callback=on_event, tracking_uri=mlledger_stack.tracking_uri)
    try:
        run_id = client.create_run(experiment_id).info.run_id
        assert arrived.wait(30)
    finally:
        sub.close()
    assert got == [run_id]


def test_durable_subscriber_killed_and_restarted_resumes_where_it_stopped(mlledger_stack, client, experiment_id,
                                                                          tmp_path):
    """A subscriber process killed with SIGKILL mid-stream and started again records every run exactly once."""
    out = tmp_path / "seen.txt"
    durable = f"test-{uuid.uuid4().hex[:8]}"
    args = [sys.executable, str(SCRIPT), mlledger_stack.tracking_uri, durable, str(out), experiment_id]

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline().strip() == "subscribed"
        return process

    def lines() -> list[str]:
        return out.read_text().splitlines() if out.exists() else []

    process = start()
    created = [client.create_run(experiment_id).info.run_id for _ in range(20)]
    _wait_for(lambda: len(lines()) >= 5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    created += [client.create_run(experiment_id).info.run_id for _ in range(20)]  # while it is down
    process = start()
    try:
        created += [client.create_run(experiment_id).info.run_id for _ in range(10)]
        _wait_for(lambda: len(lines()) >= len(created))
        time.sleep(0.5)  # a duplicate would show up right behind
    finally:
        process.terminate()
        process.wait(10)
    recorded = [line.split()[1] for line in lines()]
    assert recorded == created
    positions = [int(line.split()[0]) for line in lines()]
    assert positions == sorted(set(positions))
