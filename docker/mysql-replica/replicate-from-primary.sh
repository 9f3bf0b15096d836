#!/bin/bash
# First start of the `db-replica` service (docker-compose.yml, profile "replica"): make this
# empty MySQL 8.4 server a GTID replica of `db`. The mysql image runs the scripts of
# /docker-entrypoint-initdb.d once, on an empty data directory, as the `mysql` user, against
# a temporary server that listens on its socket only; it has already created root, the
# time-zone tables and MYSQL_DATABASE/MYSQL_USER (the app's database and user) here.
#
# 1. On the primary (as root over the network): a `repl` user with a fresh random password
#    (only this replica uses it; it is stored in the replica's connection metadata).
# 2. A consistent copy of the app's database from the primary (mysqldump --single-transaction
#    --set-gtid-purged=ON): it also sets gtid_purged here to the primary's GTID set at the
#    copy, so replication starts exactly after it. This works for a new primary and for one
#    that held data before GTIDs were on or whose old binary logs are purged.
# 3. CHANGE REPLICATION SOURCE TO … SOURCE_AUTO_POSITION=1; START REPLICA (MySQL 8.4's
#    names for MariaDB's CHANGE MASTER TO … MASTER_USE_GTID=slave_pos; START SLAVE in
#    .ci/run), then wait until both replication threads run. The server restarts replication
#    by itself on every later start.
#
# A failure stops the container before the data directory is complete: remove the replica's
# volume and start it again (docs/scaling.md, section 3).
#
# Works when executed and when sourced by the entrypoint (no `exit`, no `set -u`).
set -eo pipefail

: "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is needed to reach the primary as root}"
: "${MYSQL_DATABASE:?MYSQL_DATABASE names the database to copy}"
replica_source_host="${REPLICA_SOURCE_HOST:-db}"
replica_source_port="${REPLICA_SOURCE_PORT:-3306}"

replica_note() {
    printf '%s [Note] [replicate-from-primary]: %s\n' "$(date --rfc-3339=seconds)" "$*"
}

# Client options as a file the client reads (not on the command line: no password in `ps`).
replica_primary_cnf() {
    printf '[client]\nuser=root\npassword="%s"\nhost=%s\nport=%s\nprotocol=TCP\n' \
        "$MYSQL_ROOT_PASSWORD" "$replica_source_host" "$replica_source_port"
}
replica_local_cnf() {
    printf '[client]\nuser=root\npassword="%s"\nprotocol=socket\n' "$MYSQL_ROOT_PASSWORD"
}
on_primary() {
    mysql --defaults-extra-file=<(replica_primary_cnf) --get-server-public-key "$@"
}
on_replica() {
    mysql --defaults-extra-file=<(replica_local_cnf) "$@"
}

replica_note "waiting for the primary ($replica_source_host:$replica_source_port)"
for _ in $(seq 1 60); do
    on_primary -N -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 2
done
on_primary -N -e "SELECT CONCAT('primary: MySQL ', VERSION(), ', gtid_mode=', @@GLOBAL.gtid_mode)"
if [ "$(on_primary -N -e 'SELECT @@GLOBAL.gtid_mode')" != "ON" ]; then
    replica_note "error: the primary runs with gtid_mode OFF; start it with --gtid-mode=ON" \
        "--enforce-gtid-consistency=ON (docker-compose.yml's db service does)." >&2
    false
fi

replica_note "creating the replication user on the primary"
repl_password="repl-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
on_primary <<SQL
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '$repl_password';
ALTER USER 'repl'@'%' IDENTIFIED BY '$repl_password';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
SQL

replica_note "copying the database \`$MYSQL_DATABASE\` from the primary"
# Only the app's database: this server has its own users and time-zone tables. The GTIDs of
# everything the primary did before the copy (users, time zones included) are marked as
# done here, so replication never replays them.
mysqldump --defaults-extra-file=<(replica_primary_cnf) --get-server-public-key \
    --single-transaction --set-gtid-purged=ON --routines --events --triggers \
    --databases "$MYSQL_DATABASE" | on_replica
on_replica -N -e "SELECT CONCAT('replica: copy done at GTID ', @@GLOBAL.gtid_purged)"

replica_note "starting replication"
# GET_SOURCE_PUBLIC_KEY: `repl` uses caching_sha2_password over a connection without TLS.
on_replica <<SQL
CHANGE REPLICATION SOURCE TO SOURCE_HOST='$replica_source_host', SOURCE_PORT=$replica_source_port,
    SOURCE_USER='repl', SOURCE_PASSWORD='$repl_password', SOURCE_AUTO_POSITION=1,
    SOURCE_CONNECT_RETRY=10, GET_SOURCE_PUBLIC_KEY=1;
START REPLICA;
SQL
replica_running() {
    local status
    status="$(on_replica -e 'SHOW REPLICA STATUS\G')"
    grep -q 'Replica_IO_Running: Yes' <<<"$status" && grep -q 'Replica_SQL_Running: Yes' <<<"$status"
}
for _ in $(seq 1 60); do
    replica_running && break
    sleep 1
done
if ! replica_running; then
    replica_note "error: replication did not start. Replica status:" >&2
    on_replica -e 'SHOW REPLICA STATUS\G' >&2 || true
    false
fi
replica_note "replicating from $replica_source_host:$replica_source_port (GTID auto-position)"
unset repl_password
