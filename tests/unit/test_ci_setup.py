"""CI's reproducibility: the lock file satisfies pyproject.toml, and Hypothesis's profile.

``requirements.lock`` (made by ``.ci/lock`` with uv) pins every package CI installs at an
exact version with hashes. When someone adds or changes a requirement or an extra in
pyproject.toml without running ``.ci/lock`` again, these tests fail and say what to do.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
RELOCK = "run .ci/lock (see README, Development) and commit requirements.lock"


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    requirement: Requirement  # name==version ; marker
    hashes: tuple[str, ...]


def read_lock(path: Path = LOCK) -> list[Pin]:
    """The pins of a ``uv pip compile --generate-hashes`` file (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *options = line.split(" --")
        req = Requirement(spec.strip())
        (exact,) = list(req.specifier)
        assert exact.operator == "==", f"{path.name}: {spec!r} is not pinned with =="
        hashes = tuple(o.strip().removeprefix("hash=") for o in options if o.startswith("hash="))
        pins.append(Pin(canonicalize_name(req.name), Version(exact.version), req, hashes))
    return pins


def project_requirements(pyproject: dict[str, Any]) -> list[Requirement]:
    """Requirements of the project, of every extra (self-references expanded), and of the
    build backend: everything CI installs."""
    project = pyproject["project"]
    me = canonicalize_name(project["name"])
    extras = project.get("optional-dependencies", {})
    out = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    todo = [Requirement(r) for r in project.get("dependencies", [])]
    for reqs in extras.values():
        todo += [Requirement(r) for r in reqs]
    for req in todo:
        if canonicalize_name(req.name) == me:
            unknown = req.extras - set(extras)
            assert not unknown, f"{me}[{','.join(sorted(unknown))}] names no extra"
            continue  # its extras' requirements are in `todo` already
        out.append(req)
    return out


@pytest.fixture(scope="module")
def pins() -> list[Pin]:
    assert LOCK.is_file(), f"{LOCK.name} is missing; {RELOCK}"
    return read_lock()


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_requirement_is_pinned_inside_its_specifier(pins: list[Pin], pyproject) -> None:
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    by_name: dict[str, list[Pin]] = {}
    for p in pins:
        by_name.setdefault(p.name, []).append(p)
    problems = []
    for req in project_requirements(pyproject):
        name = canonicalize_name(req.name)
        found = by_name.get(name, [])
        if not found:
            problems.append(f"{req} is not in the lock")
            continue
        # the lock is universal: a package may be pinned per Python version (markers);
        # every pin must satisfy pyproject.toml, and one must apply here
        for p in found:
            if not req.specifier.contains(p.version, prereleases=True):
                problems.append(f"{req}: the lock pins {p.requirement}")
        here = [
            p for p in found if p.requirement.marker is None or p.requirement.marker.evaluate(env)
        ]
        if not here:
            problems.append(f"{req}: no pin applies to Python {env['python_full_version']}")
    assert not problems, f"requirements.lock does not satisfy pyproject.toml ({RELOCK}): " + (
        "; ".join(problems)
    )


def test_every_pin_has_hashes_and_the_project_is_not_pinned(pins: list[Pin], pyproject) -> None:
    assert pins
    assert all(p.hashes and all(h.startswith("sha256:") for h in p.hashes) for p in pins)
    assert canonicalize_name(pyproject["project"]["name"]) not in {p.name for p in pins}
    names = [(p.name, str(p.requirement.marker)) for p in pins]
    assert len(names) == len(set(names)), "a package is pinned twice for the same environment"


def test_the_lock_says_how_it_was_made_and_the_readme_and_ci_agree() -> None:
    head = LOCK.read_text().splitlines()[:3]
    assert any(line.strip("# ").strip() == ".ci/lock" for line in head), head
    readme = (ROOT / "README.md").read_text()
    assert ".ci/lock" in readme and "requirements.lock" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "--require-hashes" in ci and "-r requirements.lock" in ci


def test_read_lock_parses_markers_and_hashes(tmp_path: Path) -> None:
    lock = tmp_path / "l.txt"
    lock.write_text(
        "# header\n"
        "numpy==2.4.6 ; python_full_version < '3.12' \\\n"
        "    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via scipy\n"
        "Flask_Cors==1.0 \\\n    --hash=sha256:cc\n"
    )
    a, b = read_lock(lock)
    assert (a.name, str(a.version), a.hashes) == ("numpy", "2.4.6", ("sha256:aa", "sha256:bb"))
    assert str(a.requirement.marker) == 'python_full_version < "3.12"'
    assert (b.name, b.requirement.marker) == ("flask-cors", None)


def test_project_requirements_expand_self_references() -> None:
    pyproject: dict[str, Any] = {
        "build-system": {"requires": ["setuptools>=77"]},
        "project": {
            "name": "Rom_Goniometry",
            "dependencies": ["numpy>=1.26"],
            "optional-dependencies": {
                "test": ["pytest>=8"],
                "dev": ["rom-goniometry[test]", "ruff"],
            },
        },
    }
    got = sorted(str(r) for r in project_requirements(pyproject))
    assert got == ["numpy>=1.26", "pytest>=8", "ruff", "setuptools>=77"]
    pyproject["project"]["optional-dependencies"]["dev"] = ["rom-goniometry[nope]"]
    with pytest.raises(AssertionError, match="names no extra"):
        project_requirements(pyproject)


def test_hypothesis_profile_follows_ci() -> None:
    """CI=true (as .ci/run sets) runs the derandomized profile; developers the random one."""
    wanted = os.environ.get("HYPOTHESIS_PROFILE") or (
        "ci" if os.environ.get("CI") == "true" else "dev"
    )
    current = settings.default
    assert current is not None
    assert current.derandomize == (wanted == "ci")
    assert current.deadline is None
    assert settings.get_profile("ci").derandomize and settings.get_profile("ci").database is None
    assert not settings.get_profile("dev").derandomize
