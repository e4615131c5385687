"""Packaging metadata as the project frame fixes it: name, Python, script, dependencies, extras."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    assert cfg.read(ROOT / "setup.cfg"), "setup.cfg missing"
    return cfg


def _names(block: str) -> set[str]:
    """Distribution names of a requirement list, without versions or markers."""
    return {re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0].lower()
            for line in block.splitlines() if line.strip()}


def test_distribution_name_python_and_console_script() -> None:
    cfg = _setup_cfg()
    assert cfg["metadata"]["name"] == "pnc-evcc"
    assert cfg["options"]["python_requires"].replace(" ", "") == ">=3.11"
    scripts = cfg["options.entry_points"]["console_scripts"]
    assert [line.replace(" ", "") for line in scripts.splitlines() if line.strip()] == [
        "evcc=evcc.cli:main"
    ]


def test_core_dependencies_and_extras() -> None:
    cfg = _setup_cfg()
    assert _names(cfg["options"]["install_requires"]) >= {
        "cryptography", "construct", "python-can", "pyserial"
    }
    extras = cfg["options.extras_require"]
    assert "tpm2-pytss" in _names(extras["tpm"])
    assert _names(extras["ota"]) & {"paho-mqtt", "aiomqtt"}
    assert _names(extras["dev"]) >= {"pytest", "hypothesis", "ruff", "mypy", "xmlschema"}


def test_pyproject_only_names_the_build_backend() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert set(data) == {"build-system"}
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
