"""scripts/devdb.sh against a cluster of its own (in a temporary checkout, so the test
suite's server is never touched): `start` restarts a server whose binaries a package
update replaced, and leaves a current one alone."""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUPERUSER = "postgres" if os.geteuid() == 0 else getpass.getuser()
INSTALLED_LINE = re.compile(r"^(\s*installed=).*$", re.MULTILINE)


BASH = shutil.which("bash") or "/bin/bash"


def _devdb(script: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 -- fixed argument list, no shell
        [BASH, str(script), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _started_at(script: Path) -> str:
    return _devdb(script, "psql", "-U", SUPERUSER, "-d", "postgres", "-At", "-c", "SELECT pg_postmaster_start_time()")


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[Path]:
    """A checkout holding only the set-up scripts, with a small server configuration."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(ROOT / "scripts" / "devdb.sh", scripts)
    shutil.copy(ROOT / "scripts" / "bootstrap.sql", scripts)
    (scripts / "postgresql.conf").write_text("listen_addresses = ''\nshared_buffers = 16MB\nmax_connections = 20\n")
    # Where devdb.sh puts the cluster when the DB user cannot reach the checkout (as root,
    # pytest's temporary folders are private to root): this test's copy is such a checkout.
    digest = hashlib.sha1(str(tmp_path.resolve()).encode(), usedforsecurity=False).hexdigest()[:12]
    fallback = Path("/var/tmp") / f"shopwave-{digest}"  # noqa: S108 -- devdb.sh's own fallback
    try:
        _devdb(scripts / "devdb.sh", "start")
        yield scripts
    finally:
        subprocess.run(  # noqa: S603 -- fixed argument list, no shell
            [BASH, str(scripts / "devdb.sh"), "stop"], capture_output=True, timeout=120, check=False
        )
        shutil.rmtree(fallback, ignore_errors=True)


def test_start_leaves_a_current_server_running(checkout: Path) -> None:
    before = _started_at(checkout / "devdb.sh")
    out = _devdb(checkout / "devdb.sh", "start")
    assert "restarting" not in out
    assert _started_at(checkout / "devdb.sh") == before


def test_start_restarts_a_server_older_than_the_installed_binaries(checkout: Path) -> None:
    before = _started_at(checkout / "devdb.sh")
    # The same script, told that the installed binaries are another release: what it
    # sees after `apt-get` updated the server package under the running server.
    script = (checkout / "devdb.sh").read_text()
    updated, replaced = INSTALLED_LINE.subn(r'\g<1>"99.1 (a package update)"', script)
    assert replaced == 1
    (checkout / "devdb_updated.sh").write_text(updated)
    out = _devdb(checkout / "devdb_updated.sh", "start")
    assert re.search(r"restarting PostgreSQL: the running server is 1\d\.\d+ .*, the installed binaries are 99\.1", out)
    assert "running for ShopWave" in out
    assert _started_at(checkout / "devdb.sh") != before
