#!/usr/bin/env bash
# Builds the extension in release mode and installs it into the system PostgreSQL 15
# (library into `pg_config --pkglibdir`, control file and SQL scripts, including the
# hand-written upgrade scripts of sql/, into `pg_config --sharedir`/extension).
#
#   scripts/install.sh
#
# As an ordinary user the files are copied with sudo. Run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PGRX_PG_CONFIG_PATH="$PG_CONFIG"

args=(pgrx install --package inventory --release --pg-config "$PG_CONFIG")
if [ "$(id -u)" -ne 0 ]; then
    # With --sudo, cargo-pgrx stages the files here first and never cleans it.
    rm -rf "${CARGO_TARGET_DIR:-target}/release/inventory-pg15"
    args+=(--sudo)
fi

cargo "${args[@]}"

# cargo-pgrx installs the current version's script and the upgrade scripts
# (sql/inventory--OLD--NEW.sql); the install scripts of earlier releases, kept
# so that a database can be created at an old version and upgraded, are copied
# here.
extension_dir="$("$PG_CONFIG" --sharedir)/extension"
for script in sql/inventory--*.sql; do
    case "$(basename "$script")" in
        inventory--*--*.sql) ;;
        *)
            if [ "$(id -u)" -eq 0 ]; then
                install -m 644 "$script" "$extension_dir/"
            else
                sudo install -m 644 "$script" "$extension_dir/"
            fi
            ;;
    esac
done
