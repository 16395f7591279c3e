"""A durable subscriber run as its own process by the tests: appends "position event_id" lines.

Usage: python subscriber_script.py TRACKING_URI DURABLE OUT_FILE EXPERIMENT_ID

It resumes after the last position in OUT_FILE (its output is its checkpoint) and records
run.created events of EXPERIMENT_ID; the test kills it with SIGKILL at any moment.
"""

import os
import sys

import mlledger

tracking_uri, durable, out, experiment_id = sys.argv[1:5]
last = 0
if os.path.exists(out):
    with open(out) as existing:
        lines = [line for line in existing.read().splitlines() if line.strip()]
    last = int(lines[-1].split()[0]) if lines else 0
with open(out, "a") as sink, mlledger.events.subscribe(
    "mlledger.tracking.run.created", durable=durable, after_position=last, tracking_uri=tracking_uri,
) as subscription:
    print("subscribed", flush=True)
    for event in subscription:
        if event.payload.experiment_id == experiment_id:
            # The position is written with the output, in one line: the checkpoint is the output.
            sink.write(f"{event.position} {event.payload.run_id}\n")
            sink.flush()
            os.fsync(sink.fileno())
