#!/usr/bin/env bash
# Prerequisites for building, testing and demonstrating inventory on Debian bookworm.
#
#   scripts/setup.sh
#
# Idempotent: installs only what is missing and prints nothing when everything is
# already there. Works as root or as an ordinary user with sudo (apt runs through
# sudo then). Needs a Rust toolchain (cargo) on PATH; it does not install Rust.
#
#   1. apt packages: PostgreSQL 15 server and headers, clang/libclang (bindgen),
#      build tools, libssl-dev (cargo-pgrx links OpenSSL). `apt-get update` runs
#      only when a package is missing.
#   2. cargo-pgrx 0.18.1 (the pgrx version of Cargo.toml; cargo-pgrx refuses
#      another minor), about 5 minutes on 2 cores.
#   3. `cargo pgrx init --pg15 <system pg_config>` when ${PGRX_HOME:-~/.pgrx}/config.toml
#      does not know pg15 yet. It downloads nothing.
set -euo pipefail

readonly PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
readonly PGRX_VERSION=0.18.1

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "setup.sh: need root for '$*' and sudo is not installed" >&2
        exit 1
    fi
}

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# A package apt can install (not purely virtual). On bookworm postgresql-contrib-15
# is only provided by postgresql-15, so it is skipped there.
installable() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

apt_packages() {
    local wanted=(
        postgresql-15 postgresql-server-dev-15 sudo clang libclang-dev pkg-config
        build-essential libssl-dev ca-certificates git
    )
    local missing=() pkg updated=no
    for pkg in "${wanted[@]}"; do
        installed "$pkg" || missing+=("$pkg")
    done

    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup.sh: apt packages missing: ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        updated=yes
    fi
    if ! installed postgresql-contrib-15 && installable postgresql-contrib-15; then
        missing+=(postgresql-contrib-15)
    fi

    if [ ${#missing[@]} -gt 0 ]; then
        if [ $updated = no ]; then
            echo "setup.sh: apt packages missing: ${missing[*]}"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        fi
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

cargo_pgrx() {
    if ! command -v cargo >/dev/null && [ -f "$HOME/.cargo/env" ]; then
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
    fi
    if ! command -v cargo >/dev/null; then
        echo "setup.sh: cargo is not on PATH; install a Rust toolchain (rustup) first" >&2
        exit 1
    fi

    if ! cargo pgrx --version 2>/dev/null | grep -qx "cargo-pgrx $PGRX_VERSION"; then
        echo "setup.sh: installing cargo-pgrx $PGRX_VERSION (takes a few minutes)"
        cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
    fi
}

pgrx_init() {
    local config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
    if ! grep -Eq '^[[:space:]]*pg15[[:space:]]*=' "$config" 2>/dev/null; then
        echo "setup.sh: cargo pgrx init --pg15 $PG_CONFIG"
        cargo pgrx init --pg15 "$PG_CONFIG"
    fi
}

apt_packages
cargo_pgrx
pgrx_init
