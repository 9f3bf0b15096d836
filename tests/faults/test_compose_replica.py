"""docker-compose.yml's optional read replica (issue 17): the `db-replica` service behind the
`replica` profile, its first-start script and its health check. Docker is not needed: the
file is read as YAML, and the script and the health check run against stub `mysql` and
`mysqldump` programs that record what they were asked."""

import os
import shutil
import stat
import subprocess

import pytest
import yaml

from tests.faults.helpers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
REPLICA = SERVICES["db-replica"]
INIT_DIR = ROOT / "docker" / "mysql-replica"
INIT_SCRIPT = INIT_DIR / "replicate-from-primary.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def interpolated(text: str) -> str:
    """Compose's ``$$`` escape as the container's shell receives it."""
    return text.replace("$$", "$")


def test_the_replica_is_optional():
    assert REPLICA["profiles"] == ["replica"]
    for name, service in SERVICES.items():
        if name != "db-replica" and "profiles" not in service:
            dependency = service.get("depends_on", {}).get("db-replica")
            # A plain `docker compose up` (no profile) must not need the replica.
            assert dependency is None or dependency["required"] is False, name
    assert SERVICES["web"]["depends_on"]["db-replica"] == {"condition": "service_healthy", "required": False}
    web_env = SERVICES["web"]["environment"]
    assert web_env["REPLICA_DATABASE_URL"] == "${REPLICA_DATABASE_URL:-}"
    # The web service keeps every other setting of the shared environment.
    assert {k: v for k, v in web_env.items() if k != "REPLICA_DATABASE_URL"} == COMPOSE["x-app"]["environment"]
    assert "REPLICA_DATABASE_URL" not in SERVICES["worker"]["environment"]
    assert "db-replica-data" in COMPOSE["volumes"]


def test_the_replica_follows_db_by_gtid():
    assert REPLICA["image"] == SERVICES["db"]["image"]
    primary = SERVICES["db"]["command"]
    assert {"--server-id=1", "--gtid-mode=ON", "--enforce-gtid-consistency=ON"} <= set(primary)
    assert any(option.startswith("--log-bin") for option in primary)
    replica = REPLICA["command"]
    assert {"--server-id=2", "--gtid-mode=ON", "--enforce-gtid-consistency=ON", "--read-only=ON"} <= set(replica)
    # Same character set as the primary.
    assert [o for o in primary if o.startswith("--c")] == [o for o in replica if o.startswith("--c")]
    assert "./docker/mysql-replica:/docker-entrypoint-initdb.d:ro" in REPLICA["volumes"]
    assert REPLICA["depends_on"]["db"] == {"condition": "service_healthy"}
    assert REPLICA["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert os.stat(INIT_SCRIPT).st_mode & stat.S_IXUSR
    assert [p.name for p in INIT_DIR.iterdir()] == [INIT_SCRIPT.name]


@pytest.fixture
def stub_bin(tmp_path):
    """A directory with stub ``mysql`` and ``mysqldump`` that log their arguments, the
    client options file they were given and their input to ``log``, and answer the
    queries the script and the health check ask (``STUB_GTID_MODE``, ``STUB_RUNNING``)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    (bin_dir / "mysql").write_text(f"""#!/bin/bash
{{
echo "== mysql $*"
for a in "$@"; do case "$a" in --defaults-extra-file=*) sed 's/^/cnf: /' "${{a#*=}}";; esac; done
[ -t 0 ] || sed 's/^/in: /'
}} >> {log}
case "$*" in
  *CONCAT*) echo "stub answer";;
  *"SELECT @@GLOBAL.gtid_mode"*) echo "${{STUB_GTID_MODE:-ON}}";;
  *"SHOW REPLICA STATUS"*)
    echo "           Replica_IO_Running: Yes"
    echo "          Replica_SQL_Running: ${{STUB_RUNNING:-Yes}}"
    echo "    Replica_SQL_Running_State: Replica has read all relay log; waiting for more updates";;
esac
""")
    (bin_dir / "mysqldump").write_text(f"""#!/bin/bash
echo "== mysqldump $*" >> {log}
echo "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'primary-uuid:1-42';"
""")
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    return bin_dir, log


def run_init(stub_bin, sourced: bool, **env):
    bin_dir, _log = stub_bin
    full_env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "MYSQL_ROOT_PASSWORD": "root-pw",
                "MYSQL_DATABASE": "khata", **env}
    # As the image's entrypoint does: sourced (under its `set -eo pipefail`) or executed.
    command = ["bash", "-c", f"set -eo pipefail; . {INIT_SCRIPT}"] if sourced else [str(INIT_SCRIPT)]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


@pytest.mark.parametrize("sourced", [False, True])
def test_the_first_start_copies_the_database_then_replicates_by_gtid(stub_bin, sourced):
    result = run_init(stub_bin, sourced)
    assert result.returncode == 0, result.stderr
    log = stub_bin[1].read_text()
    # The repl user on the primary (over TCP, as root, the password in an options file).
    user_at = log.index("in: CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl-")
    assert "cnf: host=db" in log[:user_at] and "cnf: protocol=TCP" in log[:user_at]
    assert "root-pw" not in "".join(line for line in log.splitlines() if line.startswith("=="))
    assert "in: GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';" in log
    # The copy, with the primary's GTID set, loaded into the local server.
    dump_at = log.index("== mysqldump ")
    assert "--single-transaction --set-gtid-purged=ON" in log[dump_at:] and "--databases khata" in log[dump_at:]
    assert log.index("in: SET @@GLOBAL.GTID_PURGED=") > dump_at > user_at
    # Then replication from db with GTID auto-position, with the same password as the user.
    change_at = log.index("in: CHANGE REPLICATION SOURCE TO SOURCE_HOST='db', SOURCE_PORT=3306,")
    assert change_at > dump_at
    password = log[user_at:].split("IDENTIFIED BY '")[1].split("'")[0]
    assert f"SOURCE_USER='repl', SOURCE_PASSWORD='{password}', SOURCE_AUTO_POSITION=1," in log[change_at:]
    assert "in: START REPLICA;" in log[change_at:]
    assert "SHOW REPLICA STATUS" in log[change_at:]


@pytest.mark.parametrize("sourced", [False, True])
@pytest.mark.parametrize(("env", "message"), [({"STUB_GTID_MODE": "OFF"}, "gtid_mode OFF"),
                                              ({"STUB_RUNNING": "No"}, "replication did not start")])
def test_the_first_start_fails_loudly(stub_bin, sourced, env, message):
    if "STUB_RUNNING" in env:
        # The script waits up to 60 one-second polls for the threads: make the waits instant.
        sleep = stub_bin[0] / "sleep"
        sleep.write_text("#!/bin/sh\nexit 0\n")
        sleep.chmod(0o755)
    result = run_init(stub_bin, sourced, **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(("running", "healthy"), [("Yes", True), ("No", False)])
def test_the_health_check_needs_both_replication_threads(stub_bin, running, healthy):
    kind, command = REPLICA["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    env = {"PATH": f"{stub_bin[0]}:{os.environ['PATH']}", "MYSQL_ROOT_PASSWORD": "root-pw", "STUB_RUNNING": running}
    result = subprocess.run(["sh", "-c", interpolated(command)], env=env, timeout=30, check=False)  # noqa: S603, S607
    assert (result.returncode == 0) is healthy
    assert "== mysql -h 127.0.0.1 -u root --password=root-pw -e SHOW REPLICA STATUS\\G" in stub_bin[1].read_text()
