"""The layout promises of design.md: ``platform`` is never shadowed, packages are typed."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_stdlib_platform_and_evcc_platform_both_import_from_repo_root() -> None:
    code = (
        "import platform, evcc_platform, sys;"
        "assert callable(platform.system), platform.__file__;"
        "assert platform.__file__.startswith(sys.base_prefix) or 'lib/python' in platform.__file__;"
        "print(platform.__file__); print(evcc_platform.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert not out[0].startswith(str(ROOT / "platform") + "/"), out
    assert out[1] == str(ROOT / "platform" / "evcc_platform" / "__init__.py")


def test_platform_directory_is_not_a_package() -> None:
    # An __init__.py here would make `import platform` resolve to the repository folder.
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_pytest_process_sees_stdlib_platform() -> None:
    import platform

    assert platform.python_version().startswith("3.")


def test_every_package_is_typed() -> None:
    for name in ("evcc", "keystore", "ota", "evcc_platform"):
        module = importlib.import_module(name)
        assert module.__file__ is not None
        assert (Path(module.__file__).parent / "py.typed").is_file(), name


def _listed_packages() -> set[str]:
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return {line.strip() for line in cfg["options"]["packages"].splitlines() if line.strip()}


def _packages_in_tree() -> set[str]:
    found: set[str] = set()
    for top, base in (("evcc", ROOT), ("keystore", ROOT), ("ota", ROOT),
                      ("evcc_platform", ROOT / "platform")):
        for init in (base / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(base).parts))
    return found


def test_setup_cfg_lists_every_package() -> None:
    assert _packages_in_tree() == _listed_packages()


def test_wheel_contains_every_package(tmp_path: Path) -> None:
    # Build from a copy of the tracked files: setuptools writes build/ into the source tree.
    import shutil
    import zipfile

    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    src = tmp_path / "src"
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("pnc_evcc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for package in _listed_packages():
        assert f"{package.replace('.', '/')}/__init__.py" in names, package
    assert "evcc_platform/py.typed" in names
    assert not any(n.startswith("platform/") for n in names)
