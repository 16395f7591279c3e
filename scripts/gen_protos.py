"""Regenerate the Python code for `protos/` into `generated/` (the only place generated code lives).

Usage: python scripts/gen_protos.py [--out DIR]

tests/test_generated_code.py runs this into a temporary folder and fails when the committed
code differs, so a changed .proto without regenerated code never lands.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
PACKAGE_INIT = '"""Generated protobuf and gRPC code for the mlledger.v1 contracts. Do not edit."""\n'
# The Open Inference Protocol keeps its own proto package (`inference`) for wire compatibility.
INFERENCE_INITS = {
    "mlledger/inference": '"""Generated code for the Open Inference Protocol. Do not edit."""\n',
    "mlledger/inference/v2": '"""Generated protobuf and gRPC code for the Open Inference Protocol (V2). Do not edit."""\n',
}


def generate(out: Path) -> list[Path]:
    """Compile every .proto under protos/ into `out`; returns the files written."""
    sources = sorted(p.relative_to(PROTOS).as_posix() for p in PROTOS.rglob("*.proto"))
    well_known = str(resources.files("grpc_tools") / "_proto")
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    package = out / "mlledger" / "v1"
    (package / "__init__.py").write_text(PACKAGE_INIT)
    (package / "py.typed").write_text("")
    for folder, init in INFERENCE_INITS.items():
        (out / folder / "__init__.py").write_text(init)
    (out / "mlledger" / "inference" / "v2" / "py.typed").write_text("")
    return sorted(p for p in package.iterdir() if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "generated")
    args = parser.parse_args()
    written = generate(args.out)
    print(f"wrote {len(written)} files to {args.out / 'mlledger' / 'v1'}", file=sys.stderr)


if __name__ == "__main__":
    main()
