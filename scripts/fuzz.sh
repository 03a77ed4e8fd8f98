#!/usr/bin/env bash
# Fuzzes the file and argument parsers of inventory-core with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]
#
#   TARGET    import_csv (parse_catalog and parse_source_items), import_tsv
#             (parse_geonames), items_json (parse_items_str and Qty::parse), or all
#             (the default)
#   SECONDS   fuzzing time per target, 60 by default
#
# Exits 0 when no target crashed, 1 when one did (its input is saved under
# fuzz/artifacts/TARGET/ and printed in hex), 2 on a usage error. Each target checks the
# parsers' documented guarantees on every input, not only that they do not panic (see
# fuzz/src/lib.rs).
#
# Works on a stable toolchain: targets are built with `--sanitizer none`, since the
# sanitizers need nightly's -Z flags (FUZZ_SANITIZER=address builds with AddressSanitizer
# through RUSTC_BOOTSTRAP=1, in fuzz/target/address; the parsers are safe Rust, so it adds
# little). Debug assertions and overflow checks are on. Idempotent: installs cargo-fuzz
# (--locked) and a C++ compiler for libFuzzer only when missing; the first build takes
# about 5 minutes on 2 cores.
#
# Each run starts from the seeds in fuzz/corpus/TARGET/, excerpts of the sample files in
# ../shared/data when they are there (copied to a temporary folder, never into the
# repository), and the corpus earlier runs grew in fuzz/work/TARGET/ (git-ignored, like
# the full log of the last run, fuzz/work/TARGET.log).
#
# Environment: FUZZ_SANITIZER (none, or address), FUZZ_FORK=N (N fuzzing processes, for
# more cores), FUZZ_ARGS (more libFuzzer flags, such as -seed=1).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly CARGO_FUZZ_VERSION=0.13.2
readonly TARGETS=(import_csv import_tsv items_json)

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

target=${1:-all}
seconds=${2:-60}
case "$target" in
    -h | --help)
        usage
        exit 0
        ;;
    all) selected=("${TARGETS[@]}") ;;
    import_csv | import_tsv | items_json) selected=("$target") ;;
    *)
        echo "fuzz.sh: unknown target '$target' (one of ${TARGETS[*]}, or all)" >&2
        exit 2
        ;;
esac
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
    exit 2
fi

sanitizer=${FUZZ_SANITIZER:-none}
build_flags=(--fuzz-dir fuzz --sanitizer "$sanitizer" --debug-assertions)
case "$sanitizer" in
    none) ;;
    address)
        # The sanitizer flags are unstable; RUSTC_BOOTSTRAP lets stable rustc take them.
        export RUSTC_BOOTSTRAP=1
        build_flags+=(--target-dir fuzz/target/address)
        ;;
    *)
        echo "fuzz.sh: FUZZ_SANITIZER must be none or address, not '$sanitizer'" >&2
        exit 2
        ;;
esac

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "fuzz.sh: need root for '$*' and sudo is not installed" >&2
        exit 1
    fi
}

install_tools() {
    if ! command -v c++ >/dev/null && ! command -v clang++ >/dev/null; then
        echo "fuzz.sh: installing g++ (libfuzzer-sys compiles libFuzzer)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q g++
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION (about 4 minutes)"
        cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
    fi
}

# Small excerpts of the sample files, as extra seeds: a run mutates a few kilobytes far
# faster than megabytes.
shared_seeds() {
    local target=$1 dir=$2 data=../shared/data
    [ -d "$data" ] || return 0
    case "$target" in
        import_csv)
            for f in "$data"/msi-import/*.csv; do
                [ -f "$f" ] && cp "$f" "$dir/"
            done
            if [ -f "$data/magento-sample/catalog_product.csv" ]; then
                head -c 4000 "$data/magento-sample/catalog_product.csv" >"$dir/catalog_head.csv"
            fi
            ;;
        import_tsv)
            if [ -f "$data/geonames/US.txt" ]; then
                head -n 40 "$data/geonames/US.txt" >"$dir/us_head.txt"
                tail -n 40 "$data/geonames/US.txt" >"$dir/us_tail.txt"
            fi
            ;;
    esac
}

# "N execs, M/s" from a libFuzzer log: its final stats (-print_final_stats=1), or with
# -fork the last status line (`#N: cov: ... exec/s: M ...`).
stats() {
    awk '
        /^stat::number_of_executed_units:/ { runs = $NF }
        /^stat::average_exec_per_sec:/ { rate = $NF }
        /^#[0-9]+: cov: / {
            fork_runs = substr($1, 2, length($1) - 2)
            for (i = 2; i < NF; i++) if ($i == "exec/s:") fork_rate = $(i + 1)
        }
        END {
            if (runs == "") { runs = fork_runs; rate = fork_rate }
            if (runs != "") printf "%s execs, %s/s", runs, rate; else printf "no stats"
        }
    ' "$1"
}

install_tools

seeds_root=$(mktemp -d /tmp/inventory-fuzz.XXXXXX)
trap 'rm -rf "$seeds_root"' EXIT

echo "==> cargo fuzz build (${selected[*]}, sanitizer $sanitizer)"
for t in "${selected[@]}"; do
    cargo fuzz build "${build_flags[@]}" "$t"
done

summary=()
failed=()
for t in "${selected[@]}"; do
    work=fuzz/work/$t
    shared=$seeds_root/$t
    log=fuzz/work/$t.log
    mkdir -p "$work" "$shared" "fuzz/artifacts/$t"
    shared_seeds "$t" "$shared"

    libfuzzer_args=(
        -max_total_time="$seconds"
        -dict="fuzz/dict/$t.dict"
        -max_len=8192
        -timeout=10
        -rss_limit_mb=4096
        -print_final_stats=1
    )
    if [ -n "${FUZZ_FORK:-}" ]; then
        libfuzzer_args+=(-fork="$FUZZ_FORK")
    fi
    # shellcheck disable=SC2206 # FUZZ_ARGS is a list of flags, split on spaces.
    libfuzzer_args+=(${FUZZ_ARGS:-})

    echo
    echo "==> fuzzing $t for ${seconds}s"
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    started=$SECONDS
    # The whole output goes to the log; the terminal is spared libFuzzer's line per new input.
    set +e
    cargo fuzz run "${build_flags[@]}" "$t" "$work" "fuzz/corpus/$t" "$shared" \
        -- "${libfuzzer_args[@]}" 2>&1 | tee "$log" | awk '!/^#[0-9]+\t(NEW|REDUCE) /'
    status=${PIPESTATUS[0]}
    set -e
    elapsed=$((SECONDS - started))
    corpus=$(find "$work" -type f | wc -l)

    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        summary+=("$t: FAILED (exit $status) after ${elapsed}s, $(stats "$log")")
        crash=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | sed 's/.* //' || true)
        if [ -n "$crash" ] && [ -f "$crash" ]; then
            echo
            echo "fuzz.sh: $t crashed on $crash ($(wc -c <"$crash") bytes), in hex:"
            od -An -v -tx1 "$crash" | tr -d ' \n' | fold -w 64
            echo
            echo "replay: cargo fuzz run ${build_flags[*]} $t $crash"
        fi
    else
        summary+=("$t: ok, ${elapsed}s, $(stats "$log"), corpus $corpus inputs")
    fi
    after=$(find "fuzz/artifacts/$t" -type f | wc -l)
    if [ "$after" -gt "$before" ] && [ "$status" -eq 0 ]; then
        summary+=("$t: note: new files in fuzz/artifacts/$t/")
    fi
done

echo
echo "fuzz.sh: summary"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz.sh: PASSED (no crash in ${selected[*]})"
