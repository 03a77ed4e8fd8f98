#!/usr/bin/env bash
# The demo: installs the extension, starts a private cluster that stays running, and
# runs demo/demo.sql in a freshly created database `inventory_demo`.
#
#   scripts/demo.sh [CATALOG.csv]       (default: demo/catalog.csv)
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

echo "==> demo/demo.sql (catalog: $catalog)"
"${psql[@]}" -d inventory_demo -v ON_ERROR_STOP=1 -v catalog_path="$catalog" \
    -f demo/demo.sql

cat <<EOF

The demo server keeps running.
  connect:  psql -h $demo_dir -p $demo_port -U postgres inventory_demo
  stop:     scripts/pg.sh stop $demo_dir
EOF
