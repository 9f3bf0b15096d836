#!/usr/bin/env bash
# Make sure the OS packages needed to BUILD mysqlclient from source are present:
# pkg-config, the MySQL/MariaDB client headers (found through pkg-config) and a C compiler.
# Called by the Makefile before `pip install`. Silent and fast when everything is there.
set -euo pipefail

PACKAGES="pkg-config default-libmysqlclient-dev build-essential"

have_deps() {
    command -v pkg-config >/dev/null 2>&1 || return 1
    pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists libmariadb 2>/dev/null || return 1
    command -v "${CC:-cc}" >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || return 1
}

if have_deps; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "os-deps: installing mysqlclient build dependencies ($PACKAGES) with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    if have_deps; then
        exit 0
    fi
    echo "os-deps: apt-get finished, but pkg-config still cannot find mysqlclient/libmariadb." >&2
    exit 1
fi

cat >&2 <<EOF
os-deps: the mysqlclient Python package is built from source and needs pkg-config,
the MySQL/MariaDB client headers and a C compiler, which are missing. Install them with:

    sudo apt-get install -y $PACKAGES

(macOS with Homebrew: brew install mysql-client pkg-config, and add
 \$(brew --prefix mysql-client)/lib/pkgconfig to PKG_CONFIG_PATH.)
Then run the make command again.
EOF
exit 1
