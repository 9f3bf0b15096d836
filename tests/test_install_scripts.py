"""The install scripts wait for the dpkg lock (another apt running) instead of failing.

``scripts/os-deps.sh`` (``make``'s OS step) and ``.ci/run`` run against a fake ``apt-get``
that records its arguments; it fails the install, so the scripts stop right there.
"""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=300"]


def _fake(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_apt(tmp_path):
    """A ``PATH`` whose ``apt-get`` logs each call (one line of arguments) to the returned
    file and fails ``install``; ``id -u`` says root; ``pkg-config`` finds nothing (so
    os-deps.sh has packages to install); ``mariadbd`` fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    _fake(bin_dir, "apt-get", f'echo "$*" >> "{log}"\ncase " $* " in *" install "*) exit 1;; esac\nexit 0\n')
    _fake(bin_dir, "id", "echo 0\n")
    _fake(bin_dir, "pkg-config", "exit 1\n")
    _fake(bin_dir, "mariadbd", "exit 1\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return env, log


@pytest.mark.parametrize("script", ["scripts/os-deps.sh", ".ci/run"])
def test_apt_get_waits_for_the_dpkg_lock(fake_apt, script):
    env, log = fake_apt
    result = subprocess.run(["bash", script], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603,S607
                            timeout=60)
    assert result.returncode != 0  # the fake install failed and the script stopped there
    calls = [line.split() for line in log.read_text().splitlines()]
    assert [next(word for word in call if word in ("update", "install")) for call in calls] == ["update", "install"]
    for call in calls:
        assert call[:2] == LOCK_WAIT, call
