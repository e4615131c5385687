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
