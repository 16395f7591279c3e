"""How hard the suite searches: the CI default is bounded (a few minutes); MLLEDGER_FUZZ_PROFILE=deep searches longer.

MLLEDGER_FUZZ_EXAMPLES still sets the examples per RPC of the descriptor-driven pass; the grammar and
REST passes scale with the profile unless MLLEDGER_FUZZ_FILTER_EXAMPLES / MLLEDGER_FUZZ_REST_EXAMPLES say.
"""

from __future__ import annotations

import os

DEEP = os.environ.get("MLLEDGER_FUZZ_PROFILE", "").lower() == "deep"


def examples(variable: str, default: int, deep: int) -> int:
    """Examples per test: the variable if set, else the profile's figure."""
    return int(os.environ.get(variable) or (deep if DEEP else default))
