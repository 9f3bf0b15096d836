#!/usr/bin/env bash
# Make sure the OS packages the Python requirements need are present:
# - to BUILD mysqlclient from source: pkg-config, the MySQL/MariaDB client headers
#   (found through pkg-config) and a C compiler;
# - to RUN WeasyPrint (invoice PDFs): the Pango, Pango-FT2 and HarfBuzz-subset shared
#   libraries, a font with the rupee sign (DejaVu), and the Noto fonts of Devanagari and
#   Bengali (Hindi and Bengali invoices and statements);
# - for the translation catalogues (`make messages`, the guard in `make test`): gettext;
# - for the front-end assets from npm (`npm ci`: the date picker): Node.js and npm.
# Called by the Makefile before `pip install`. Silent and fast when everything is there.
set -euo pipefail

MYSQL_PACKAGES="pkg-config default-libmysqlclient-dev build-essential"
WEASYPRINT_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core"
GETTEXT_PACKAGES="gettext"
NODE_PACKAGES="nodejs npm"

have_mysql_deps() {
    command -v pkg-config >/dev/null 2>&1 || return 1
    pkg-config --exists mysqlclient 2>/dev/null || pkg-config --exists libmariadb 2>/dev/null || return 1
    command -v "${CC:-cc}" >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || return 1
}

shared_libs() {
    { command -v ldconfig >/dev/null 2>&1 && ldconfig -p; } 2>/dev/null \
        || /sbin/ldconfig -p 2>/dev/null || true
}

have_weasyprint_deps() {
    local libs
    libs="$(shared_libs)"
    if [ -z "$libs" ]; then
        # No ldconfig (e.g. macOS): let WeasyPrint report what it misses at run time.
        return 0
    fi
    for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
        grep -q "$lib" <<<"$libs" || return 1
    done
    if command -v fc-list >/dev/null 2>&1; then
        # Not `fc-list | grep -q`: grep exiting early makes pipefail report a failure.
        local fonts
        fonts="$(fc-list 2>/dev/null || true)"
        grep -qi "DejaVu Sans" <<<"$fonts" || return 1
        grep -qi "Noto Sans Devanagari" <<<"$fonts" || return 1
        grep -qi "Noto Sans Bengali" <<<"$fonts" || return 1
    fi
}

missing_packages() {
    local packages=""
    have_mysql_deps || packages="$packages $MYSQL_PACKAGES"
    have_weasyprint_deps || packages="$packages $WEASYPRINT_PACKAGES"
    command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || packages="$packages $GETTEXT_PACKAGES"
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages="$packages $NODE_PACKAGES"
    echo "${packages# }"
}

PACKAGES="$(missing_packages)"
if [ -z "$PACKAGES" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "os-deps: installing missing OS packages ($PACKAGES) with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    # Wait up to 5 minutes for another apt/dpkg (unattended upgrades, another install)
    # to release its lock instead of failing with "Could not get lock".
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $PACKAGES >/dev/null
    if [ -z "$(missing_packages)" ]; then
        exit 0
    fi
    have_mysql_deps || echo "os-deps: apt-get finished, but pkg-config still cannot find mysqlclient/libmariadb." >&2
    have_weasyprint_deps || echo "os-deps: apt-get finished, but the Pango/HarfBuzz libraries are still missing." >&2
    command -v npm >/dev/null 2>&1 || echo "os-deps: apt-get finished, but npm is still missing." >&2
    exit 1
fi

cat >&2 <<EOF
os-deps: OS packages are missing. The mysqlclient Python package is built from source
and needs pkg-config, the MySQL/MariaDB client headers and a C compiler; WeasyPrint
(invoice PDFs) needs the Pango and HarfBuzz libraries and the DejaVu and Noto fonts; the
translation guard needs gettext; the date picker comes from npm (Node.js 18+). Install them with:

    sudo apt-get install -y $PACKAGES

(macOS with Homebrew: brew install mysql-client pkg-config pango node, and add
 \$(brew --prefix mysql-client)/lib/pkgconfig to PKG_CONFIG_PATH.)
Then run the make command again.
EOF
exit 1
