"""Property-based pass over every request message of every RPC: no answer is INTERNAL or UNKNOWN, none hangs.

The number of examples per RPC is MLLEDGER_FUZZ_EXAMPLES (default 20); raise it for a longer run.
Runs are reproducible; MLLEDGER_FUZZ_SEED=<n> explores different examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, seed, settings
from hypothesis import strategies as st

from .rpcs import all_rpcs, invoke, problem
from .seed import read_back
from .strategies import messages, names_any

EXAMPLES = int(os.environ.get("MLLEDGER_FUZZ_EXAMPLES", "20"))
SEED = os.environ.get("MLLEDGER_FUZZ_SEED")
RPCS = all_rpcs()


@pytest.mark.parametrize("rpc", RPCS, ids=str)
def test_any_request_gets_a_precise_answer(rpc, channels, seeded, targets):  # type: ignore[no-untyped-def]
    """Random and hostile requests to one RPC get a status other than INTERNAL/UNKNOWN, in time."""
    strategy = messages(rpc.method.input_type, targets.known_strings())
    protected = [*seeded.identities(), *targets.identities()]
    count = st.integers(1, 3) if rpc.method.client_streaming else st.just(1)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck))
    @seed(int(SEED or 0))
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        requests = [data.draw(strategy) for _ in range(data.draw(count))]
        if rpc.destructive:  # a purge may remove only what the attacks themselves created
            assume(not any(names_any(request, protected) for request in requests))
        code, details = invoke(channels[rpc.service], rpc, requests)
        found = problem(rpc, code, details)
        assert found is None, f"{found}\nrequest: {str(requests[0])[:500]}"

    attack()
    read_back(channels, seeded)
