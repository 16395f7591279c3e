"""What happens to an active run when the training script's interpreter exits."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import mlledger

SCRIPT = textwrap.dedent("""
    import sys
    import mlledger
    run = mlledger.start_run()
    print(run.info.run_id, flush=True)
    for step in range(2000):
        mlledger.log_metric("loss", 1.0 / (step + 1), step=step)
    if sys.argv[1] == "crash":
        raise RuntimeError("training diverged")
""")


def _run_script(tmp_path, stack, experiment_id: str, mode: str) -> tuple[str, int]:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "MLLEDGER_TRACKING_URI": stack.tracking_uri, "MLLEDGER_EXPERIMENT_ID": experiment_id}
    result = subprocess.run([sys.executable, str(script), mode], env=env, capture_output=True, text=True, timeout=60)
    return result.stdout.split()[0], result.returncode


def test_exit_delivers_points_and_finishes_the_run(tmp_path, mlledger_stack, client, experiment_id):
    """A script that ends without end_run still delivers every point, and its run ends FINISHED."""
    run_id, code = _run_script(tmp_path, mlledger_stack, experiment_id, "ok")
    assert code == 0
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.info.experiment_id == experiment_id
    assert run.data.tags["mlledger.source.name"] == str(tmp_path / "train.py")
    assert len(client.get_metric_history(run_id, "loss")) == 2000


def test_uncaught_exception_fails_the_run(tmp_path, mlledger_stack, client, experiment_id):
    """A script that dies of an uncaught exception leaves its run FAILED, with its points delivered."""
    run_id, code = _run_script(tmp_path, mlledger_stack, experiment_id, "crash")
    assert code != 0
    run = client.get_run(run_id)
    assert run.info.status == "FAILED"
    assert len(client.get_metric_history(run_id, "loss")) == 2000
    assert isinstance(run, mlledger.Run)
