"""The MLproject format: what loads, and malformed files refused with the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlledger import errors
from mlledger.projects import ProjectSpecError, load_project
from tests.projects.conftest import write_project

GOOD = """\
name: tutorial
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      n: {type: int, default: 3}
      data: path
      where: {type: uri, default: "s3://bucket/x"}
      label: string
    command: "python train.py {alpha} {n} {data} {where} {label}"
  short: "echo hi"
"""


def _load_error(tmp_path: Path, text: str) -> ProjectSpecError:
    write_project(tmp_path / "p", text)
    with pytest.raises(ProjectSpecError) as caught:
        load_project(tmp_path / "p")
    return caught.value


def test_a_good_project_loads_with_its_types_and_defaults(tmp_path):
    """Entry points, parameter types, defaults and the python_env file come from the MLproject."""
    root = write_project(tmp_path / "p", GOOD, {"python_env.yaml": "python: '3.11'\n"})
    project = load_project(root)
    assert project.name == "tutorial"
    assert project.env_type == "python_env" and project.env_file == root / "python_env.yaml"
    params = project.entry_point("main").parameters
    assert [(p.name, p.type, p.default) for p in params.values()] == [
        ("alpha", "float", "0.5"), ("n", "int", "3"), ("data", "path", None), ("where", "uri", "s3://bucket/x"),
        ("label", "string", None)]
    assert project.entry_point("short").command == "echo hi"


def test_scripts_are_entry_points_by_convention(tmp_path):
    """Without an MLproject file a .py or .sh file of the project is an entry point; other names are refused."""
    (tmp_path / "train.py").write_text("print(1)\n")
    project = load_project(tmp_path)
    assert project.entry_point("train.py").command == "python train.py"
    with pytest.raises(errors.InvalidArgument) as caught:
        project.entry_point("main")
    assert caught.value.field == "entry_point"


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("name: x\nentry_points:\n  main:\n    command: [unclosed\n", 5, "invalid YAML"),
    ("name: x\nentry_points:\n  main:\n    parameters:\n      alpha: flaot\n    command: echo {alpha}\n",
     5, "unknown type 'flaot'"),
    ("name: x\nentry_points:\n  main:\n    parameters:\n      alpha: float\n    command: echo {beta}\n",
     6, "uses {beta}"),
    ("name: x\nentry_points:\n  main:\n    parameters:\n      n: {type: int, default: 2.5}\n    command: echo {n}\n",
     5, "expected an int"),
    ("name: x\nentry_points:\n  main:\n    parameters: {}\n", 3, "needs a `command`"),
    ("name: x\nconda_env: conda.yaml\npython_env: python_env.yaml\nentry_points: {}\n", 3, "one environment"),
    ("name: x\npython_env: missing.yaml\n", 2, "not a file of the project"),
    ("name: x\nentry_points:\n  main:\n    command: echo {x\n", 4, "malformed placeholder"),
    ("name: x\nentry_points:\n  main:\n    parameters:\n      a: {type: int, dflt: 1}\n    command: echo {a}\n",
     5, "unknown field 'dflt'"),
    ("name: x\ndocker_env:\n  volumes: [/a:/a]\n", 2, "with an `image`"),
])
def test_malformed_mlproject_names_the_line_and_the_problem(tmp_path, text, line, problem):
    """Each malformed MLproject is refused with the file, the line and what is wrong."""
    error = _load_error(tmp_path, text)
    assert error.line == line, str(error)
    assert f"MLproject line {line}:" in str(error)
    assert problem in str(error)
