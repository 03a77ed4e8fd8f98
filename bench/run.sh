#!/usr/bin/env bash
# The benchmarks: builds the extension in release mode, installs it into the system
# PostgreSQL 15, starts a private cluster with the settings of bench/driver.py, loads the
# data, runs every case and its baselines with pgbench custom scripts (bench/pgbench/) at
# 1, 4, 16 and 64 clients, profiles the checkout, and writes BENCHMARKS.md and
# bench/throughput.png.
#
#   bench/run.sh                 full run, about 25 minutes on 2 cores
#   BENCH_QUICK=1 bench/run.sh   smoke run, about 4 minutes (2 s per run, clients 1 and 16,
#                                smaller data)
#
# Environment:
#   BENCH_DURATION=S         seconds per pgbench run (default 8; quick 2)
#   BENCH_CLIENTS="1 4 16"   client counts (default "1 4 16 64"; quick "1 16")
#   BENCH_SYNC_COMMIT=on     synchronous_commit (default off; fsync is always on)
#   BENCH_DIR, BENCH_PORT    the private cluster (default /tmp/inventory-bench, 54330)
#   BENCH_NO_BUILD=1         skip scripts/setup.sh and scripts/install.sh
#   BENCH_PROFILE=0          skip perf, pg_stat_statements and wait-event sampling
#   BENCH_KEEP=1             leave the server running afterwards
#
# The extension measured is a snapshot of the build just installed, created as extension
# inventory_bench (same SQL, same schema; inventory_bench.so and its control file are
# copied next to inventory's), so that another session installing another build during
# the run cannot change what is measured.
#
# Needs what scripts/setup.sh installs, plus python3 with matplotlib (installed with pip
# when missing) and perf for the CPU profile (skipped when missing). Raw output goes to
# bench/results/ (git-ignored); `python3 bench/driver.py --report` rewrites the report
# from the last run's bench/results/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

bench_dir=${BENCH_DIR:-/tmp/inventory-bench}
export BENCH_DIR=$bench_dir
export BENCH_COMMAND="${BENCH_COMMAND:-$(env | grep -E '^BENCH_(QUICK|DURATION|CLIENTS|SYNC_COMMIT)=' | sort | tr '\n' ' ')bench/run.sh}"

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    scripts/setup.sh
    scripts/install.sh
fi

if ! python3 -c 'import matplotlib' 2>/dev/null; then
    echo "run.sh: installing matplotlib (pip)"
    python3 -m pip install --quiet matplotlib
fi

stop_server() {
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        scripts/pg.sh stop "$bench_dir" || true
    else
        echo "run.sh: server left running: psql -h $bench_dir -p ${BENCH_PORT:-54330} -U postgres bench_tpl"
    fi
}
trap stop_server EXIT

python3 bench/driver.py
