"""The apps' import direction (DESIGN §2) as an import-linter contract (pyproject.toml):
the project keeps it, and an import against the direction breaks it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
APPS = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]["root_packages"]  # as the contract lists them


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` with the project's contract on the packages found in ``cwd``."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: install requirements-dev.txt (make install)")
    return subprocess.run([command, "--config", str(CONFIG), "--no-cache", "--no-logo"], cwd=cwd,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_apps_keep_the_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "source", "broken"), [
    ("ledger/services.py", "from billing import models\n", "ledger.services -> billing.models"),
    ("core/money.py", "def f():\n    from accounts import models\n", "core.money -> accounts.models"),
    ("customers/views.py", "import messaging.models\n", "customers.views -> messaging.models"),
    ("accounts/views.py", "from config import settings\n", "accounts.views -> config.settings"),
])
def test_an_import_against_the_direction_breaks_the_contract(tmp_path, module, source, broken):
    """A tree of empty apps with one import that goes the wrong way (at module level or
    inside a function): lint-imports fails and names it."""
    for app in APPS:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
        (tmp_path / app / "models.py").write_text("")
        (tmp_path / app / "settings.py").write_text("")
    (tmp_path / module).write_text(source)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout
    assert "1 broken" in result.stdout
