#!/usr/bin/env bash
# The whole test suite: the README's test command and what CI (.ci/run) runs.
#
#   scripts/test.sh [--quick] [-- ARGS...]
#
#   --quick     skip `cargo fmt --check` and `cargo clippy`
#   -- ARGS     passed to `cargo test -p inventory-tests`, e.g. `-- --test smoke`
#               (only tests/tests/smoke.rs) or `-- cancel` (the tests whose name
#               contains "cancel")
#
# Steps: setup.sh; cargo fmt --check; cargo clippy -D warnings; unit tests of
# inventory-core; install.sh (release build into the system PostgreSQL 15); a private
# cluster (scripts/pg.sh) in a fresh /tmp/inv-test.XXXXXX; the integration tests of
# inventory-tests against it (INVENTORY_PGHOST/PGPORT/PGUSER). The cluster is stopped
# and its folder removed on exit, pass or fail. Test binaries run with --no-fail-fast,
# so one run reports every failing test. Works as root and as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=no
test_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=yes ;;
        --)
            shift
            test_args=("$@")
            break
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "test.sh: unknown argument '$1' (see --help)" >&2
            exit 2
            ;;
    esac
    shift
done

export PGRX_PG_CONFIG_PATH=/usr/lib/postgresql/15/bin/pg_config

started=$SECONDS
step_name=""
step_started=$SECONDS
cluster=""

step() {
    finish_step
    step_name=$1
    step_started=$SECONDS
    echo
    echo "==> $step_name"
}

finish_step() {
    if [ -n "$step_name" ]; then
        echo "    ($step_name: $((SECONDS - step_started))s)"
    fi
}

on_exit() {
    local rc=$?
    if [ -n "$cluster" ]; then
        scripts/pg.sh stop "$cluster" || true
        rm -rf "$cluster"
    fi
    echo
    if [ $rc -eq 0 ]; then
        echo "test.sh: PASSED (all steps, $((SECONDS - started))s)"
    else
        echo "test.sh: FAILED in step '$step_name' (exit $rc, after $((SECONDS - started))s)"
    fi
    exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# A port no local TCP server uses. The private cluster listens on its socket only,
# so any number would do; a free one keeps it so if someone enables TCP.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "test.sh: no free port found" >&2
    return 1
}

step "setup"
scripts/setup.sh

if [ $quick = no ]; then
    step "cargo fmt --check"
    cargo fmt --all --check

    step "cargo clippy"
    cargo clippy --workspace --all-targets -- -D warnings
fi

step "unit tests (inventory-core)"
cargo test --no-fail-fast -p inventory-core

step "install extension"
scripts/install.sh

step "start private cluster"
cluster=$(mktemp -d /tmp/inv-test.XXXXXX)
port=$(free_port)
scripts/pg.sh start "$cluster" "$port"
echo "    socket $cluster, port $port"

step "integration tests (inventory-tests)"
INVENTORY_PGHOST="$cluster" INVENTORY_PGPORT="$port" INVENTORY_PGUSER=postgres \
    cargo test --no-fail-fast -p inventory-tests ${test_args[@]+"${test_args[@]}"}

finish_step
step_name=""
