#!/usr/bin/env bash
# The demo: installs the extension, starts a private cluster that stays running, and
# in a freshly created database `inventory_demo` runs, one after the other:
#
#   demo/demo.sql          the catalog import, warehouses, salable report, first orders,
#                          and the set-up of a flash sale (5 units, 12 buyers)
#   the flash sale         one psql process per buyer (demo/flash_buyer.sql), all at once
#   demo/after.sql         the flash sale's outcome, shipping by distance, CSV export,
#                          a stock-count import, a bulk transfer, low stock, consistency
#
#   scripts/demo.sh [CATALOG.csv]       (default: demo/catalog.csv)
#
# after.sql loads ../shared/data/geonames/US.txt when it is there, else the slice
# demo/geonames_slice.tsv; it writes its CSV export into a temporary directory that this
# script makes (psql variable tmp_dir) and removes at the end.
#
# The cluster lives in $INVENTORY_DEMO_DIR (default /tmp/inventory-demo for root,
# /tmp/inventory-demo-$USER for anyone else), socket only, port
# ${INVENTORY_DEMO_PORT:-54320}; a later run reuses it. See scripts/pg.sh.
#
# How demo.sql gets the catalog: psql runs with `-v catalog_path=<absolute path>`, and
# demo.sql reads the file on the client side, so the server (user postgres when run
# as root) never needs to reach the path:
#
#   \set catalog `cat :'catalog_path'`
#   SELECT inventory.import_legacy_catalog(:'catalog');
#
# :'catalog_path' is shell-quoted inside the backticks and :'catalog' becomes one
# correctly escaped SQL literal; checked with a 1.7 MB CSV full of quotes, commas
# and newlines. (A `psql -v catalog="$(cat file)"` argument would hit the limit of
# the command line instead.)
set -euo pipefail
cd "$(dirname "$0")/.."

readonly PG_BIN=/usr/lib/postgresql/15/bin
if [ "$(id -u)" -eq 0 ]; then
    demo_dir=${INVENTORY_DEMO_DIR:-/tmp/inventory-demo}
else
    demo_dir=${INVENTORY_DEMO_DIR:-/tmp/inventory-demo-$(id -un)}
fi
demo_port=${INVENTORY_DEMO_PORT:-54320}
catalog=${1:-demo/catalog.csv}
catalog=$(realpath -m -- "$catalog")
if [ ! -r "$catalog" ]; then
    echo "demo.sh: note: catalog $catalog is not there (yet); demo.sql gets the path anyway"
fi

scripts/setup.sh
scripts/install.sh
scripts/pg.sh start "$demo_dir" "$demo_port"

psql=("$PG_BIN/psql" -X -q -h "$demo_dir" -p "$demo_port" -U postgres)
"${psql[@]}" -d postgres -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
    -c 'DROP DATABASE IF EXISTS inventory_demo WITH (FORCE)' \
    -c 'CREATE DATABASE inventory_demo'

tmp_dir=$(mktemp -d)
trap 'rm -rf "$tmp_dir"' EXIT

# The flash sale: one psql process per row of demo.flash_buyer, each running
# demo/flash_buyer.sql. So that they really go at once, they wait at a gate: a session
# of this script holds demo.flash_sale locked (every buyer reads it first) until all of
# them queue behind the lock, and then commits.
flash_sale() {
    local buyers gate_pid waiting i
    local -a pids=()
    buyers=$("${psql[@]}" -d inventory_demo -At -c 'SELECT count(*) FROM demo.flash_buyer')

    coproc gate { "${psql[@]}" -d inventory_demo -At -v ON_ERROR_STOP=1; }
    gate_pid=$gate_PID
    echo 'BEGIN; LOCK TABLE demo.flash_sale IN ACCESS EXCLUSIVE MODE;' >&"${gate[1]}"
    echo "SELECT 'closed';" >&"${gate[1]}"
    read -r _ <&"${gate[0]}"

    for i in $(seq "$buyers"); do
        "${psql[@]}" -d inventory_demo -v ON_ERROR_STOP=1 -v buyer="$i" \
            -f demo/flash_buyer.sql >"$tmp_dir/buyer-$i.log" 2>&1 &
        pids+=($!)
    done

    for ((i = 0; i < 600; i++)); do
        echo 'SELECT waiting FROM demo.flash_queue;' >&"${gate[1]}"
        read -r waiting <&"${gate[0]}"
        [ "$waiting" -ge "$buyers" ] && break
        sleep 0.05
    done
    if [ "$waiting" -lt "$buyers" ]; then
        echo "demo.sh: only $waiting of $buyers buyers reached the gate in 30 s" >&2
        exit 1
    fi
    echo "    $buyers buyers (psql processes) wait at the gate; it opens"
    printf 'COMMIT;\n\\q\n' >&"${gate[1]}"
    wait "$gate_pid"

    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            echo "demo.sh: buyer $((i + 1)) failed:" >&2
            cat "$tmp_dir/buyer-$((i + 1)).log" >&2
            exit 1
        fi
    done
}

echo "==> demo/demo.sql (catalog: $catalog)"
"${psql[@]}" -d inventory_demo -v ON_ERROR_STOP=1 -v catalog_path="$catalog" \
    -f demo/demo.sql

echo
echo "==> the flash sale: every buyer runs demo/flash_buyer.sql in its own psql, all at once"
flash_sale

echo
echo "==> demo/after.sql"
"${psql[@]}" -d inventory_demo -v ON_ERROR_STOP=1 -v tmp_dir="$tmp_dir" -f demo/after.sql

cat <<EOF

The demo server keeps running.
  connect:  psql -h $demo_dir -p $demo_port -U postgres inventory_demo
  stop:     scripts/pg.sh stop $demo_dir
EOF
