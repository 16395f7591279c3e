"""The committed generated code matches protos/, and every contract element is documented."""

import filecmp
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_fresh(tmp_path):
    """Regenerating from protos/ reproduces generated/ byte for byte (run scripts/gen_protos.py if not)."""
    _generator().generate(tmp_path)
    fresh, committed = tmp_path / "mlledger" / "v1", ROOT / "generated" / "mlledger" / "v1"
    fresh_files = sorted(p.name for p in fresh.iterdir() if p.is_file())
    committed_files = sorted(p.name for p in committed.iterdir() if p.is_file() and p.suffix != ".pyc")
    assert fresh_files == committed_files
    _, mismatch, errors = filecmp.cmpfiles(fresh, committed, fresh_files, shallow=False)
    assert mismatch == [] and errors == [], f"stale generated code: {mismatch + errors}"


def test_every_field_message_and_rpc_has_a_comment():
    """Each message, enum, field, enum value and rpc in protos/ is preceded by a comment line."""
    undocumented = []
    for proto in sorted((ROOT / "protos").rglob("*.proto")):
        lines = proto.read_text().splitlines()
        depth = 0
        for number, line in enumerate(lines):
            stripped = line.strip()
            is_element = (
                re.match(r"^(message|enum|service|rpc)\s", stripped)
                or (depth > 0 and re.match(r"^(repeated |optional |map<[^>]+> )?[\w.]+\s+\w+\s*=\s*\d+", stripped))
            )
            if is_element and not stripped.startswith("option"):
                previous = lines[number - 1].strip() if number else ""
                if not previous.startswith("//"):
                    undocumented.append(f"{proto.name}:{number + 1}: {stripped}")
            depth += stripped.count("{") - stripped.count("}")
    assert undocumented == []
