"""The distribution's package list is complete and the SDK's public surface is explicit."""

import tomllib
from pathlib import Path

import mlledger

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    """Each folder with an __init__.py under sdk/, services/ and generated/ ships as a package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    roots = {name: ROOT / folder for name, folder in config["package-dir"].items()}
    found = set()
    for name, folder in roots.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder).parts
            found.add(".".join((name, *relative)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_public_names_are_sorted_and_exist():
    """mlledger.__all__ is sorted and every name in it resolves."""
    assert list(mlledger.__all__) == sorted(mlledger.__all__)
    missing = [name for name in mlledger.__all__ if not hasattr(mlledger, name)]
    assert missing == []
