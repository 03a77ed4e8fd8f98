#!/usr/bin/env python3
"""The benchmark driver that bench/run.sh calls after building and installing the extension.

It configures a private PostgreSQL 15 cluster (scripts/pg.sh) with the stated settings,
loads a template database (bench/sql/baselines.sql, bench/sql/load.sql), runs every case
and its baselines with pgbench and the custom scripts of bench/pgbench/, checks the
results (zero oversell, kept figures equal to a recomputation), profiles the checkout,
and writes BENCHMARKS.md and bench/throughput.png. Raw output goes to bench/results/.

Every timed pgbench run starts from a fresh copy of the template database, so no run
inherits the rows, dead tuples or cached plans of another; a case and its baselines are
run one after the other for each client count, so they share the machine's conditions.

Settings come from the environment (see bench/run.sh).
"""

import datetime
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
RESULTS = os.path.join(BENCH, "results")
SCRIPTS = os.path.join(BENCH, "pgbench")
PG_BIN = "/usr/lib/postgresql/15/bin"
PG_SH = os.path.join(ROOT, "scripts", "pg.sh")

TEMPLATE = "bench_tpl"
WARMUP = 0.25  # the share of each timed run left out of its figures
RUN_DB = "bench_run"


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value not in ("0", "no", "off", "false")


class Config:
    """What to run, from the environment; BENCH_QUICK=1 shrinks everything for a smoke run."""

    def __init__(self):
        self.quick = env_flag("BENCH_QUICK")
        self.duration = int(os.environ.get("BENCH_DURATION") or (2 if self.quick else 8))
        default_clients = "1 16" if self.quick else "1 4 16 64"
        self.clients = [int(c) for c in (os.environ.get("BENCH_CLIENTS") or default_clients).split()]
        self.sync_commit = os.environ.get("BENCH_SYNC_COMMIT") or "off"
        self.dir = os.environ.get("BENCH_DIR") or "/tmp/inventory-bench"
        self.port = os.environ.get("BENCH_PORT") or "54330"
        self.profile = env_flag("BENCH_PROFILE", True)
        self.profile_seconds = int(os.environ.get("BENCH_PROFILE_SECONDS") or (3 if self.quick else 8))
        self.command = os.environ.get("BENCH_COMMAND") or "bench/run.sh"

        self.skus = 10000
        self.history = 20000
        self.hot = 100
        self.flash_qty = 1000
        self.sel_skus = 1000
        self.sel_sources = 50
        self.imp_sources = 10
        if self.quick:
            self.flash_attempts = 2000
            self.sellout_clients = [max(self.clients)]
            self.reservation_levels = [0, 100000]
            self.import_sizes = [10000]
            self.import_reps = {10000: 1}
            self.update_reps = 1
            self.plan_demo_rows = 3000
        else:
            self.flash_attempts = 3000
            self.sellout_clients = list(self.clients)
            self.reservation_levels = [0, 100000, 1000000]
            self.import_sizes = [100000, 1000000]
            self.import_reps = {100000: 2, 1000000: 1}
            self.update_reps = 3
            self.plan_demo_rows = 4000
        # The update phase (the same file imported again) only for the smaller files: a
        # 1,000,000-row import takes minutes through the extension.
        self.import_update_max = 100000

    def settings(self):
        """The server settings every run uses (on top of scripts/pg.sh's socket-only setup)."""
        return {
            "shared_buffers": "1GB",
            "max_connections": "200",
            "fsync": "on",
            "synchronous_commit": self.sync_commit,
            "full_page_writes": "on",
            "wal_level": "replica",
            "max_wal_size": "8GB",
            "checkpoint_timeout": "30min",
            "work_mem": "4MB",
            "maintenance_work_mem": "256MB",
            "jit": "off",
            "autovacuum": "on",
        }


CFG = Config()
LOG = []


def say(message):
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    line = f"[{stamp}] {message}"
    print(line, flush=True)
    LOG.append(line)


def run(cmd, check=True, capture=True, env=None, cwd=None):
    proc = subprocess.run(cmd, capture_output=capture, text=True, env=env, cwd=cwd)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def psql(sql, db="postgres", variables=None, file=None, timing=False):
    """Runs SQL through psql, unaligned and tuples only; returns stdout."""
    cmd = [f"{PG_BIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
           "-h", CFG.dir, "-p", CFG.port, "-U", "postgres", "-d", db]
    for key, value in (variables or {}).items():
        cmd += ["-v", f"{key}={value}"]
    if file:
        cmd += ["-f", file]
    else:
        if timing:
            sql = "\\timing on\n" + sql
        cmd += ["-f", "-"]
    proc = subprocess.run(cmd, input=None if file else sql, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"psql failed on {db}:\n{(sql or file)[:2000]}\n{proc.stderr}")
    return proc.stdout


def value(sql, db=RUN_DB):
    return psql(sql, db).strip()


# ---------------------------------------------------------------------------------------
# The server.

def pg_sh(*args):
    run([PG_SH, *args], capture=False)


def configure(extra=None):
    """Starts the cluster with the stated settings (ALTER SYSTEM overrides pg.sh's test
    settings, which live in postgresql.conf's include), restarting it so they all apply."""
    pg_sh("start", CFG.dir, CFG.port)
    settings = dict(CFG.settings())
    settings.update(extra or {})
    sql = ["ALTER SYSTEM RESET ALL;"]
    for key, val in settings.items():
        sql.append(f"ALTER SYSTEM SET {key} = '{val}';")
    psql("\n".join(sql))
    pg_sh("stop", CFG.dir)
    pg_sh("start", CFG.dir, CFG.port)
    shown = {}
    for key, want in settings.items():
        got = value(f"SHOW {key}", "postgres")
        shown[key] = got
        if key in ("shared_preload_libraries",):
            continue
        if got.lower() != want.lower():
            raise RuntimeError(f"setting {key}: wanted {want}, server shows {got}")
    return shown


def postmaster_pid():
    with open(os.path.join(CFG.dir, "data", "postmaster.pid")) as f:
        return int(f.readline())


def backend_pids(db):
    out = value(f"SELECT string_agg(pid::text, ' ') FROM pg_stat_activity "
                f"WHERE datname = '{db}' AND backend_type = 'client backend' "
                f"AND pid <> pg_backend_pid()", "postgres")
    return [int(p) for p in out.split()] if out else []


def fresh_db(name=RUN_DB, template=TEMPLATE):
    # FILE_COPY checkpoints before and after the copy: the run starts with nothing dirty.
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);\n"
         f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY;")


# ---------------------------------------------------------------------------------------
# pgbench.

def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return sorted_values[int(k)]
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def pgbench(tag, script, clients, db=RUN_DB, duration=None, transactions=None,
            defines=None, mode="prepared", script_text=None):
    """One pgbench run; returns tps, latency average and p50/p95/p99 (ms) from the
    per-transaction log, and the transaction count."""
    logs = os.path.join(RESULTS, "logs")
    os.makedirs(logs, exist_ok=True)
    prefix = os.path.join(logs, tag)
    for old in os.listdir(logs):
        if old.startswith(tag + "."):
            os.remove(os.path.join(logs, old))
    path = os.path.join(SCRIPTS, script) if script else None
    if script_text is not None:
        path = os.path.join(RESULTS, "scripts", tag + ".sql")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(script_text)
    cmd = [f"{PG_BIN}/pgbench", "-n", "-h", CFG.dir, "-p", CFG.port, "-U", "postgres",
           "-M", mode, "-c", str(clients), "-j", "1", "--log", f"--log-prefix={prefix}",
           "-f", path]
    if duration is not None:
        cmd += ["-T", str(duration)]
    else:
        cmd += ["-t", str(transactions)]
    for key, val in (defines or {}).items():
        cmd += ["-D", f"{key}={val}"]
    cmd.append(db)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    with open(os.path.join(RESULTS, "pgbench.out"), "a") as f:
        f.write(f"\n==== {tag}: {' '.join(cmd)}\n{out}")
    if proc.returncode != 0 or "aborted" in out:
        raise RuntimeError(f"pgbench {tag} failed ({proc.returncode}):\n{out[-3000:]}")

    def grab(pattern, cast=float):
        m = re.search(pattern, out)
        return cast(m.group(1)) if m else None

    # Per-transaction log: client, transaction, latency (µs), script, end time (s, µs).
    done = []
    for name in os.listdir(logs):
        if not name.startswith(tag + "."):
            continue
        with open(os.path.join(logs, name)) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[2].isdigit():
                    done.append((int(parts[4]) + int(parts[5]) / 1e6, int(parts[2]) / 1000.0))
        os.remove(os.path.join(logs, name))
    done.sort()
    pgbench_tps = grab(r"tps = ([\d.]+) \(without initial connection time\)")
    tps, window = pgbench_tps, None
    kept = done
    if duration is not None and len(done) >= 40:
        # Steady state: the first quarter of a timed run warms the new connections
        # (catalog caches, PL/pgSQL compilation, first plans) and is left out.
        t0, t1 = done[0][0], done[-1][0]
        start = t0 + WARMUP * (t1 - t0)
        tail = [d for d in done if d[0] > start]
        if len(tail) >= 20 and t1 > start:
            kept, tps, window = tail, len(tail) / (t1 - start), t1 - start
    latencies = sorted(lat for _, lat in kept)
    result = {
        "tag": tag,
        "clients": clients,
        "tps": tps,
        "pgbench_tps": pgbench_tps,
        "window_s": window,
        "latency_avg": (sum(latencies) / len(latencies) if latencies
                        else grab(r"latency average = ([\d.]+) ms")),
        "transactions": grab(r"number of transactions actually processed: (\d+)", int),
        "failed": grab(r"number of failed transactions: (\d+)", int) or 0,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
    }
    say(f"  {tag}: {result['tps']:.1f} tps, avg {result['latency_avg']:.3f} ms, "
        f"p95 {result['p95']:.3f} ms ({result['transactions']} xacts)")
    return result


# ---------------------------------------------------------------------------------------
# Data.

def load_template():
    say("loading the template database")
    psql(f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE);\n"
         f"DROP DATABASE IF EXISTS bench_salable WITH (FORCE);\n"
         f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE);\n"
         f"CREATE DATABASE {TEMPLATE};")
    psql(f"CREATE EXTENSION {EXTENSION};", TEMPLATE)
    psql(None, TEMPLATE, file=os.path.join(BENCH, "sql", "baselines.sql"))
    started = time.time()
    psql(None, TEMPLATE, file=os.path.join(BENCH, "sql", "load.sql"), variables={
        "skus": CFG.skus, "sel_skus": CFG.sel_skus, "sel_sources": CFG.sel_sources,
        "imp_sources": CFG.imp_sources, "history": CFG.history})
    check_figures(TEMPLATE, "template")
    say(f"  template loaded in {time.time() - started:.1f} s")


def check_figures(db, what):
    """Every kept figure equals a recomputation and every open order matches its ledger."""
    bad = value("SELECT count(*) FROM inventory.reservation_inconsistencies()", db)
    if bad != "0":
        raise RuntimeError(f"{what}: {bad} reservation inconsistencies / figure differences")


def write_import_files():
    files = os.path.join(CFG.dir, "files")
    os.makedirs(files, exist_ok=True)
    os.chmod(files, 0o755)
    paths = {}
    for size in sorted(set(CFG.import_sizes)):
        path = os.path.join(files, f"source_items_{size}.csv")
        per_source = size // CFG.imp_sources
        if not os.path.exists(path):
            with open(path + ".tmp", "w") as f:
                f.write("source_code,sku,status,quantity\n")
                for src in range(1, CFG.imp_sources + 1):
                    code = f"imp{src:02d}"
                    f.write("".join(f"{code},IMP-{k:07d},1,{(k * 7 + src) % 100 + 1}\n"
                                    for k in range(1, per_source + 1)))
            os.replace(path + ".tmp", path)
        os.chmod(path, 0o644)
        paths[size] = path
    return paths


# ---------------------------------------------------------------------------------------
# The cases.

def case_checkout(results):
    say("(a) checkout of 1 to 3 lines over %d SKUs" % CFG.skus)
    rows = []
    for c in CFG.clients:
        for variant, script in (("floor", "floor.sql"), ("extension", "checkout_ext.sql"),
                                ("magento", "checkout_magento.sql"),
                                ("row lock", "checkout_saleor.sql")):
            fresh_db()
            r = pgbench(f"a_{variant.replace(' ', '_')}_{c}", script, c, duration=CFG.duration,
                        defines={"skus": CFG.skus})
            r["variant"] = variant
            if variant == "extension":
                check_figures(RUN_DB, "checkout")
            rows.append(r)
    results["checkout"] = rows


FLASH_SETUP = {
    "extension": "UPDATE inventory.source_item SET quantity = {q} "
                 "WHERE source_code = 'default' AND sku = 'FLASH-1';",
    "magento": "UPDATE bench.m_stock_index SET quantity = {q} WHERE sku = 'FLASH-1';",
    "row lock": "UPDATE bench.s_stock SET quantity = {q} WHERE sku = 'FLASH-1';",
}

FLASH_SCRIPTS = {"extension": "flash_ext.sql", "magento": "flash_magento.sql",
                 "row lock": "flash_saleor.sql"}


def flash_outcome(variant, initial):
    """Units sold and what the shop's own figures say is left, after a flash-sale run."""
    if variant == "extension":
        sold = int(value("SELECT count(*) FROM inventory.sales_order WHERE order_id LIKE 'f%'"))
        left = float(value("SELECT inventory.get_product_salable_qty('FLASH-1', 1)"))
        check_figures(RUN_DB, "flash sale")
    elif variant == "magento":
        sold = int(value("SELECT count(*) FROM bench.m_order WHERE order_id LIKE 'f%'"))
        left = float(value("SELECT i.quantity + coalesce((SELECT sum(quantity) FROM "
                           "bench.m_reservation WHERE sku = 'FLASH-1'), 0) "
                           "FROM bench.m_stock_index i WHERE sku = 'FLASH-1'"))
    else:
        sold = int(value("SELECT count(*) FROM bench.s_order WHERE order_id LIKE 'f%'"))
        left = float(value("SELECT quantity - quantity_allocated FROM bench.s_stock "
                           "WHERE sku = 'FLASH-1'"))
    return {"sold": sold, "left": left, "oversold": max(0, sold - initial),
            "consistent": abs((initial - sold) - left) < 1e-9}


def case_flash(results):
    say("(b) flash sale: every client buys the same SKU")
    timed, sellout = [], []
    big = 10000000
    for c in CFG.clients:
        for variant in ("extension", "magento", "row lock"):
            tag = variant.replace(" ", "_")
            # Throughput: enough units that every attempt succeeds, all on one row.
            fresh_db()
            psql(FLASH_SETUP[variant].format(q=big), RUN_DB)
            r = pgbench(f"b_{tag}_{c}", FLASH_SCRIPTS[variant], c, duration=CFG.duration)
            r.update(variant=variant, **flash_outcome(variant, big))
            timed.append(r)
            if c not in CFG.sellout_clients:
                continue
            # Sell-out: 1,000 units, many more attempts; count what was sold.
            fresh_db()
            per_client = math.ceil(CFG.flash_attempts / c)
            s = pgbench(f"b_sellout_{tag}_{c}", FLASH_SCRIPTS[variant], c,
                        transactions=per_client)
            s.update(variant=variant, initial=CFG.flash_qty,
                     **flash_outcome(variant, CFG.flash_qty))
            s["attempts"] = s["transactions"]
            s["rejected"] = s["attempts"] - s["sold"]
            say(f"    sell-out {variant} {c} clients: {s['attempts']} attempts, sold {s['sold']}"
                f" of {CFG.flash_qty}, left {s['left']:g}, oversold {s['oversold']}")
            sellout.append(s)
    results["flash"] = timed
    results["sellout"] = sellout


def fill_reservations(db, start, end):
    """Adds balanced reservation pairs (placed -1, canceled +1) of the hot SKUs, numbered
    start..end-1, to the extension's ledger and the same rows to Magento's."""
    psql(f"""
        SELECT coalesce(max(reservation_id), 0) AS before FROM inventory.reservation \\gset
        INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
        SELECT 1, bench.sku(1 + (g / 2) % {CFG.hot}),
               CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END,
               jsonb_build_object('event_type',
                                  CASE WHEN g % 2 = 0 THEN 'order_placed' ELSE 'order_canceled' END,
                                  'object_type', 'order', 'object_id', 'r' || (g / 2),
                                  'object_increment_id', '')
          FROM generate_series({start}, {end - 1}) g
         ORDER BY g;
        INSERT INTO bench.m_reservation (stock_id, sku, quantity, metadata)
        SELECT stock_id, sku, quantity, metadata FROM inventory.reservation
         WHERE reservation_id > :before
         ORDER BY reservation_id;
        VACUUM (ANALYZE) inventory.reservation, bench.m_reservation;
    """, db)


def case_salable(results):
    say("(c) get_product_salable_qty with %s reservations"
        % ", ".join(f"{n:,}" for n in CFG.reservation_levels))
    db = "bench_salable"
    fresh_db(db)
    # Level 0: the history's balanced reservations go (cleanup_reservations), and Magento's.
    psql("SELECT inventory.cleanup_reservations(); DELETE FROM bench.m_reservation;\n"
         "VACUUM (ANALYZE) inventory.reservation, bench.m_reservation;", db)
    rows = []
    have = 0
    for level in CFG.reservation_levels:
        if level > have:
            started = time.time()
            fill_reservations(db, have, level)
            say(f"  filled reservations to {level:,} in {time.time() - started:.1f} s")
            have = level
        count = int(value("SELECT count(*) FROM inventory.reservation", db))
        if count != level:
            raise RuntimeError(f"reservation table holds {count}, wanted {level}")
        # The two ways agree on every hot SKU.
        differ = value(f"""
            SELECT count(*) FROM generate_series(1, {CFG.hot}) s
             WHERE inventory.get_product_salable_qty(bench.sku(s), 1)
                   <> (SELECT i.quantity + coalesce((SELECT sum(r.quantity) FROM bench.m_reservation r
                                                      WHERE r.stock_id = 1 AND r.sku = i.sku), 0)
                         FROM bench.m_stock_index i WHERE i.stock_id = 1 AND i.sku = bench.sku(s))
        """, db)
        if differ != "0":
            raise RuntimeError(f"salable quantity differs from the SUM for {differ} SKUs")
        psql("CHECKPOINT;")
        for c in CFG.clients:
            for variant, script in (("extension", "salable_ext.sql"),
                                    ("magento", "salable_magento.sql"),
                                    ("row read", "salable_row.sql")):
                r = pgbench(f"c_{variant.replace(' ', '_')}_{level}_{c}", script, c, db=db,
                            duration=CFG.duration, defines={"hot": CFG.hot})
                r.update(variant=variant, reservations=level)
                rows.append(r)
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE);")
    results["salable"] = rows


def case_selection(results):
    say("(d) select_sources, 10 lines over %d sources" % CFG.sel_sources)
    fresh_db()
    # The plain-SQL baseline computes the same selection as the extension.
    items = ("jsonb_build_array(" + ", ".join(
        f"jsonb_build_object('sku', 'SEL-{k:04d}', 'qty', 25)" for k in range(1, 11)) + ")")
    for alg, extra_ext, extra_sql in (
            ("priority", "", ""),
            ("distance", ", '{\"latitude\": 40.7128, \"longitude\": -74.0060}'",
             ", 40.7128, -74.0060")):
        differ = value(f"""
            SELECT count(*) FROM (
                (SELECT sku, source_code, qty_to_deduct FROM inventory.select_sources(2, {items}, '{alg}'{extra_ext}) WHERE qty_to_deduct > 0
                 EXCEPT SELECT sku, source_code, qty_to_deduct FROM bench.sql_select_sources(2, {items}, '{alg}'{extra_sql}) WHERE qty_to_deduct > 0)
                UNION ALL
                (SELECT sku, source_code, qty_to_deduct FROM bench.sql_select_sources(2, {items}, '{alg}'{extra_sql}) WHERE qty_to_deduct > 0
                 EXCEPT SELECT sku, source_code, qty_to_deduct FROM inventory.select_sources(2, {items}, '{alg}'{extra_ext}) WHERE qty_to_deduct > 0)
            ) d""")
        results.setdefault("selection_agree", {})[alg] = differ == "0"
        if differ != "0":
            say(f"  note: plain-SQL {alg} selection differs from select_sources in {differ} rows")
    rows = []
    for c in CFG.clients:
        for variant, script in (("extension priority", "select_ext_priority.sql"),
                                ("SQL priority", "select_sql_priority.sql"),
                                ("extension distance", "select_ext_distance.sql"),
                                ("SQL distance", "select_sql_distance.sql")):
            r = pgbench(f"d_{variant.replace(' ', '_')}_{c}", script, c, duration=CFG.duration,
                        defines={"sel_skus": CFG.sel_skus})
            r["variant"] = variant
            rows.append(r)
    results["selection"] = rows


def import_script(name, path):
    with open(os.path.join(SCRIPTS, name)) as f:
        return f.read().replace("@FILE@", path)


def timed_import(tag, script, path, size, method, phase, rep):
    r = pgbench(tag, None, 1, transactions=1, mode="simple",
                script_text=import_script(script, path))
    return dict(r, method=method, phase=phase, rows=size, rep=rep)


def count_items(size, what):
    n = int(value("SELECT count(*) FROM inventory.source_item WHERE source_code LIKE 'imp%'"))
    if n != size:
        raise RuntimeError(f"{what} left {n} items, wanted {size}")


def case_import(results, files):
    """(e) and, on the database the largest COPY import leaves, (f)."""
    say("(e) imports of %s source items" % ", ".join(f"{n:,}" for n in CFG.import_sizes))
    rows = []
    largest = max(CFG.import_sizes)
    for size in CFG.import_sizes:
        path = files[size]
        phases = ("create", "update") if size <= CFG.import_update_max else ("create",)
        for rep in range(CFG.import_reps[size]):
            fresh_db()
            rows.append(timed_import(f"e_bare_{size}_{rep}", "import_bare.sql", path, size,
                                     "bare COPY", "create", rep))
            for phase in phases:
                rows.append(timed_import(f"e_copy_{phase}_{size}_{rep}", "import_copy.sql", path,
                                         size, "COPY", phase, rep))
            count_items(size, "COPY import")
            if rep == 0:
                check_figures(RUN_DB, f"COPY import of {size}")
            if size == largest and rep == 0:
                case_update(results, path, size)
            fresh_db()
            for phase in phases:
                rows.append(timed_import(f"e_function_{phase}_{size}_{rep}", "import_function.sql",
                                         path, size, "import_source_items", phase, rep))
            count_items(size, "import_source_items")
    results["import"] = rows


def case_update(results, path, size):
    """(f) on the database a COPY import of `size` items left: one source's items."""
    per_source = size // CFG.imp_sources
    say(f"(f) bulk UPDATE of {per_source:,} source items (one source of {size:,} items)")
    psql(f"COPY bench.bare_keyed_source_item (source_code, sku, status, quantity) FROM '{path}' "
         f"WITH (FORMAT csv, HEADER);\n"
         f"VACUUM (ANALYZE) inventory.source_item, inventory.stock_sku, "
         f"bench.bare_keyed_source_item;\nCHECKPOINT;", RUN_DB)
    rows = []
    for rep in range(CFG.update_reps):
        for variant, script in (("extension", "update_ext.sql"), ("bare", "update_bare.sql")):
            r = pgbench(f"f_{variant}_{rep}", script, 1, transactions=1, mode="simple")
            rows.append(dict(r, variant=variant, rows=per_source, rep=rep))
        psql("VACUUM inventory.source_item, inventory.stock_sku, bench.bare_keyed_source_item;\n"
             "CHECKPOINT;", RUN_DB)
    check_figures(RUN_DB, "bulk update")
    results["update"] = rows


# ---------------------------------------------------------------------------------------
# Profiles.

def perf_profile(results):
    """perf with DWARF call graphs on the server backends of a 16-client checkout run."""
    if not shutil.which("perf"):
        say("  perf not found: no CPU profile")
        return
    clients = 16
    fresh_db()
    data = os.path.join(RESULTS, "perf.data")
    for stale in (data, data + ".old"):
        if os.path.exists(stale):
            os.remove(stale)
    runner = threading.Thread(target=lambda: results.setdefault("profile_run", pgbench(
        "profile_checkout_ext", "checkout_ext.sql", clients,
        duration=CFG.profile_seconds + 3, defines={"skus": CFG.skus})))
    runner.start()
    pids = []
    for _ in range(50):
        time.sleep(0.2)
        pids = backend_pids(RUN_DB)
        if len(pids) >= clients:
            break
    time.sleep(1.0)
    pids = backend_pids(RUN_DB)
    proc = subprocess.run(["perf", "record", "-F", "299", "--call-graph", "dwarf,16384",
                           "-o", data, "-p", ",".join(map(str, pids)), "--",
                           "sleep", str(CFG.profile_seconds)], capture_output=True, text=True)
    runner.join()
    if not os.path.exists(data) or "samples" not in proc.stderr:
        say(f"  perf record failed: {proc.stderr[-500:]}")
        return
    say("  perf report (takes a minute)")
    children = run(["perf", "report", "-i", data, "--children", "--sort", "sym", "--stdio",
                    "-g", "none", "--percent-limit", "0.3"], check=False).stdout
    by_dso = run(["perf", "report", "-i", data, "--no-children", "--sort", "dso", "--stdio",
                  "-g", "none"], check=False).stdout
    self_syms = run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym",
                     "--stdio", "-g", "none", "--percent-limit", "0.3"], check=False).stdout
    for name, text in (("children", children), ("dso", by_dso), ("self", self_syms)):
        with open(os.path.join(RESULTS, f"perf_{name}.txt"), "w") as f:
            f.write(text)
    os.remove(data)

    def parse(text, cols):
        out = []
        for line in text.splitlines():
            m = re.match(r"\s+([\d.]+)%\s+" + (r"([\d.]+)%\s+" if cols == 2 else "") + r"(.*)$",
                         line)
            if m:
                out.append([float(g) if i < cols else g.strip() for i, g in
                            enumerate(m.groups())])
        return out

    inclusive = {}
    for pct, _self, sym in parse(children, 2):
        name = re.sub(r"^\[[.k]\]\s+", "", sym)
        inclusive[name] = max(inclusive.get(name, 0.0), pct)
    dsos = [(pct, dso) for pct, dso in parse(by_dso, 1)]
    selfs = []
    for pct, rest in parse(self_syms, 1):
        parts = rest.split(None, 1)
        dso = parts[0]
        sym = re.sub(r"^\[[.k]\]\s+", "", parts[1]) if len(parts) > 1 else ""
        selfs.append((pct, dso, sym))
    results["perf"] = {"inclusive": inclusive, "dso": dsos[:12], "self": selfs[:25],
                       "samples_note": proc.stderr.strip().splitlines()[-1:]}


def perf_flat(results, key, script, clients, defines):
    """A flat perf profile (self time by library and function) of one pgbench run."""
    if not shutil.which("perf"):
        return
    fresh_db()
    data = os.path.join(RESULTS, f"perf_{key}.data")
    for stale in (data, data + ".old"):
        if os.path.exists(stale):
            os.remove(stale)
    runner = threading.Thread(target=lambda: pgbench(
        f"profile_{key}", script, clients, duration=CFG.profile_seconds + 2, defines=defines))
    runner.start()
    time.sleep(1.5)
    pids = backend_pids(RUN_DB)
    proc = subprocess.run(["perf", "record", "-F", "999", "-o", data,
                           "-p", ",".join(map(str, pids)), "--", "sleep",
                           str(CFG.profile_seconds)], capture_output=True, text=True)
    runner.join()
    if not os.path.exists(data) or "samples" not in proc.stderr:
        say(f"  perf record failed: {proc.stderr[-300:]}")
        return
    by_dso = run(["perf", "report", "-i", data, "--sort", "dso", "--stdio"], check=False).stdout
    syms = run(["perf", "report", "-i", data, "--sort", "dso,sym", "--stdio",
                "--percent-limit", "0.5"], check=False).stdout
    with open(os.path.join(RESULTS, f"perf_{key}.txt"), "w") as f:
        f.write(by_dso + "\n" + syms)
    os.remove(data)
    dsos, top = [], []
    for line in by_dso.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)", line)
        if m:
            dsos.append((float(m.group(1)), m.group(2)))
    for line in syms.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)$", line)
        if m:
            top.append((float(m.group(1)), m.group(2), m.group(3).strip()))
    results.setdefault("perf_flat", {})[key] = {"dso": dsos[:8], "self": top[:12],
                                                "clients": clients}


def relation_locks(db, call):
    """The relation locks one call holds at the end of its transaction: how many distinct
    relations, and how many lock entries had to go to the shared lock table because the
    backend's 16 fast-path slots were taken."""
    out = psql(f"""
        BEGIN;
        {call};
        SELECT 'locks', count(DISTINCT relation), count(*) FILTER (WHERE NOT fastpath)
          FROM pg_locks
         WHERE pid = pg_backend_pid() AND locktype = 'relation'
           AND relation <> 'pg_catalog.pg_locks'::regclass;
        ROLLBACK;
    """, db)
    for line in out.strip().splitlines():
        if line.startswith("locks|"):
            _, relations, shared = line.split("|")
            return {"relations": int(relations), "shared": int(shared)}
    return {"relations": 0, "shared": 0}


def previous_release_version():
    """The newest earlier release whose install script ships in sql/ (inventory--X.Y.Z.sql)."""
    found = []
    for name in os.listdir(os.path.join(ROOT, "sql")):
        m = re.fullmatch(r"inventory--(\d+)\.(\d+)\.(\d+)\.sql", name)
        if m:
            found.append(tuple(int(x) for x in m.groups()))
    return ".".join(map(str, max(found))) if found else None


def previous_release(results, files):
    """The checkout (at 1 and 16 clients), source selection (10 lines over 50 sources,
    1 client) and the smallest COPY import as the previous release's SQL runs them (a
    template created at that version from its frozen install script, same library, same
    data) against this release's, alternating: what the release changed, measured in the
    same run."""
    version = previous_release_version()
    if not version:
        return
    say(f"checkout and selection of release {version} against this one")
    tpl = TEMPLATE + "_prev"
    try:
        psql(f"DROP DATABASE IF EXISTS {tpl} WITH (FORCE);\nCREATE DATABASE {tpl};")
        psql(f"CREATE EXTENSION {EXTENSION} VERSION '{version}';", tpl)
        psql(None, tpl, file=os.path.join(BENCH, "sql", "baselines.sql"))
        psql(None, tpl, file=os.path.join(BENCH, "sql", "load.sql"), variables={
            "skus": CFG.skus, "sel_skus": CFG.sel_skus, "sel_sources": CFG.sel_sources,
            "imp_sources": CFG.imp_sources, "history": CFG.history})
        check_figures(tpl, f"template at {version}")
    except RuntimeError as e:
        say(f"  previous release skipped: {str(e).splitlines()[0]}")
        return
    runs = []
    work = [("checkout", "checkout_ext.sql", c, {"skus": CFG.skus})
            for c in sorted({min(CFG.clients), near16(CFG.clients)})]
    work.append(("selection", "select_ext_priority.sql", 1, {"sel_skus": CFG.sel_skus}))
    work.append(("COPY import", "import_copy.sql", 1, None))
    size = min(CFG.import_sizes)
    for what, script, c, defines in work:
        for rep in range(2):
            for label, template in ((version, tpl), ("this release", TEMPLATE)):
                fresh_db(template=template)
                tag = f"release_{what.replace(' ', '_')}_{label.replace(' ', '_')}_{c}_{rep}"
                if defines is None:
                    r = pgbench(tag, None, 1, transactions=1, mode="simple",
                                script_text=import_script(script, files[size]))
                else:
                    r = pgbench(tag, script, c, duration=max(4, CFG.profile_seconds),
                                defines=defines)
                check_figures(RUN_DB, f"{what} at {label}")
                runs.append({"work": what, "release": label, "clients": c, "tps": r["tps"],
                             "latency_avg": r["latency_avg"]})
    psql(f"DROP DATABASE IF EXISTS {tpl} WITH (FORCE);")
    results["previous_release"] = {"version": version, "runs": runs, "import_rows": size}


def near16(clients):
    return min(clients, key=lambda c: abs(c - 16))


def wait_events(db, seconds):
    """Samples the wait events of the active client backends of db every 20 ms."""
    samples = int(seconds / 0.02)
    out = psql(f"""
        CREATE TEMP TABLE samples (wait text);
        DO $$
        BEGIN
            FOR i IN 1..{samples} LOOP
                PERFORM pg_stat_clear_snapshot();
                INSERT INTO samples
                SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
                  FROM pg_stat_activity
                 WHERE datname = '{db}' AND backend_type = 'client backend'
                   AND state = 'active' AND pid <> pg_backend_pid();
                PERFORM pg_sleep(0.02);
            END LOOP;
        END $$;
        SELECT wait, count(*) FROM samples GROUP BY wait ORDER BY 2 DESC;
    """, "postgres")
    rows = [line.split("|") for line in out.strip().splitlines() if "|" in line]
    total = sum(int(n) for _, n in rows) or 1
    return [(w, int(n) * 100.0 / total) for w, n in rows]


def statement_profile(results, files):
    """pg_stat_statements (track = all, with planning) and track_functions = all over a
    16-client checkout run, wait events of checkout and flash sale, and the COPY import's
    statements."""
    configure({"shared_preload_libraries": "pg_stat_statements",
               "track_functions": "all"})
    psql("ALTER SYSTEM SET pg_stat_statements.track = 'all';\n"
         "ALTER SYSTEM SET pg_stat_statements.track_planning = 'on';\n"
         "ALTER SYSTEM SET pg_stat_statements.max = '10000';\n"
         "SELECT pg_reload_conf();")
    time.sleep(0.5)
    clients = 16

    def reset(db):
        psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\n"
             "SELECT pg_stat_statements_reset(); SELECT pg_stat_reset();", db)

    def statements(db, limit=25, nested_only=False):
        out = psql(f"""
            SELECT calls, plans, round(total_exec_time::numeric, 3), round(total_plan_time::numeric, 3),
                   regexp_replace(left(query, 150), '\\s+', ' ', 'g')
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query NOT LIKE '%pg_stat_%' {'AND NOT toplevel' if nested_only else ''}
             ORDER BY total_exec_time + total_plan_time DESC LIMIT {limit}""", db)
        rows = []
        for line in out.strip().splitlines():
            calls, plans, exec_ms, plan_ms, query = line.split("|", 4)
            rows.append({"calls": int(calls), "plans": int(plans), "exec_ms": float(exec_ms),
                         "plan_ms": float(plan_ms), "query": query})
        return rows

    def functions(db):
        out = psql("SELECT funcname, calls, round(total_time::numeric, 3), round(self_time::numeric, 3)"
                   " FROM pg_stat_user_functions ORDER BY self_time DESC", db)
        rows = []
        for line in out.strip().splitlines():
            name, calls, total, self_ms = line.split("|")
            rows.append({"name": name, "calls": int(calls), "total_ms": float(total),
                         "self_ms": float(self_ms)})
        return rows

    def nested_totals(db):
        out = psql("SELECT coalesce(sum(calls), 0), coalesce(sum(plans), 0), "
                   "coalesce(sum(total_plan_time), 0), coalesce(sum(total_exec_time), 0) "
                   "FROM pg_stat_statements WHERE toplevel = false AND dbid = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())", db)
        calls, plans, plan_ms, exec_ms = out.strip().split("|")
        return {"calls": int(calls), "plans": int(plans), "plan_ms": float(plan_ms),
                "exec_ms": float(exec_ms)}

    prof = {}
    # One client: a statement's time is then its own work, not a share of two cores
    # among 16 backends.
    fresh_db()
    reset(RUN_DB)
    run_ = pgbench("profile_statements_checkout", "checkout_ext.sql", 1,
                   duration=CFG.profile_seconds, defines={"skus": CFG.skus})
    prof["checkout"] = {"run": run_, "statements": statements(RUN_DB, nested_only=True),
                        "functions": functions(RUN_DB), "nested": nested_totals(RUN_DB),
                        "locks": relation_locks(RUN_DB, "SELECT count(*) FROM inventory.place_order("
                                                "'lock-1', 1, '[{\"sku\": \"SKU-00011\", \"qty\": 1}, "
                                                "{\"sku\": \"SKU-00012\", \"qty\": 1}]')"),
                        "magento_locks": relation_locks(RUN_DB, "SELECT bench.magento_place_order("
                                                        "'lock-2', 1, '[{\"sku\": \"SKU-00011\", "
                                                        "\"qty\": 1}, {\"sku\": \"SKU-00012\", "
                                                        "\"qty\": 1}]')")}

    # Sixteen clients: what the backends wait for, in checkout (a) and in the flash sale.
    for key, script, setup in (("checkout_waits", "checkout_ext.sql", None),
                               ("magento_waits", "checkout_magento.sql", None),
                               ("flash", "flash_ext.sql",
                                FLASH_SETUP["extension"].format(q=10000000))):
        fresh_db()
        if setup:
            psql(setup, RUN_DB)
        sampled = {}
        sampler = threading.Thread(target=lambda: sampled.update(
            waits=wait_events(RUN_DB, max(1, CFG.profile_seconds - 2))))
        timer = threading.Timer(1.0, sampler.start)
        timer.start()
        run_ = pgbench(f"profile_waits_{key}", script, 16, duration=CFG.profile_seconds,
                       defines={"skus": CFG.skus})
        timer.join()
        sampler.join()
        prof[key] = {"run": run_, "waits": sampled.get("waits", [])}

    # Source selection's server time per call, and its nested queries', at one client.
    fresh_db()
    reset(RUN_DB)
    run_ = pgbench("profile_statements_selection", "select_ext_priority.sql", 1,
                   duration=CFG.profile_seconds, defines={"sel_skus": CFG.sel_skus})
    prof["selection"] = {"run": run_, "statements": statements(RUN_DB, 6)}

    size = min(CFG.import_sizes)
    fresh_db()
    reset(RUN_DB)
    run_ = pgbench("profile_statements_import", None, 1, transactions=1, mode="simple",
                   script_text=import_script("import_copy.sql", files[size]))
    prof["import"] = {"run": run_, "rows": size, "statements": statements(RUN_DB, 15)}
    results["statements"] = prof
    configure()


def plan_cache_demo(results):
    """The same bulk UPDATE in a fresh session and in a session whose triggers already ran
    for a one-row statement (cached nested-loop plans over transition tables)."""
    n = CFG.plan_demo_rows
    fresh_db()
    psql(f"""
        INSERT INTO inventory.source_item (source_code, sku, quantity, status)
        SELECT 'imp02', 'PLAN-' || lpad(g::text, 6, '0'), 50, 1 FROM generate_series(1, {n}) g;
        VACUUM (ANALYZE) inventory.source_item, inventory.stock_sku;
    """, RUN_DB)
    update = (f"UPDATE inventory.source_item SET quantity = quantity + 1 "
              f"WHERE source_code = 'imp02' AND sku LIKE 'PLAN-%' COLLATE \"C\";")

    def timed(sql):
        out = psql(sql, RUN_DB, timing=True)
        return [float(m) for m in re.findall(r"Time: ([\d.]+) ms", out)]

    fresh_session = timed(update)[-1]
    warmed = timed("UPDATE inventory.source_item SET quantity = quantity + 1 "
                   "WHERE source_code = 'default' AND sku = 'SKU-00001';\n" + update)[-1]
    discarded = timed("UPDATE inventory.source_item SET quantity = quantity + 1 "
                      "WHERE source_code = 'default' AND sku = 'SKU-00001';\nDISCARD PLANS;\n"
                      + update)[-1]
    check_figures(RUN_DB, "plan-cache demonstration")
    results["plan_demo"] = {"rows": n, "fresh_ms": fresh_session, "after_small_ms": warmed,
                            "after_discard_ms": discarded}
    say(f"  {n} items: fresh session {fresh_session:.0f} ms, after a 1-row UPDATE "
        f"{warmed:.0f} ms, with DISCARD PLANS between {discarded:.0f} ms")


# ---------------------------------------------------------------------------------------
# The machine.

def machine():
    info = {}
    info["nproc"] = run(["nproc"]).stdout.strip()
    with open("/proc/meminfo") as f:
        kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    lscpu = run(["lscpu"], check=False).stdout
    hyper = re.search(r"Hypervisor vendor:\s+(.*)", lscpu)
    info["cpu"] = model + (f" (virtual machine, {hyper.group(1).strip()})" if hyper else "")
    info["kernel"] = run(["uname", "-sr"]).stdout.strip()
    df = run(["df", "-T", CFG.dir], check=False).stdout.strip().splitlines()
    info["disk"] = " ".join(df[-1].split()[:2]) if len(df) > 1 else "unknown"
    info["postgres"] = value("SELECT version()", "postgres")
    info["pgbench"] = run([f"{PG_BIN}/pgbench", "--version"]).stdout.strip()
    return info


EXTENSION = "inventory_bench"


def pg_dirs():
    libdir = run([f"{PG_BIN}/pg_config", "--pkglibdir"]).stdout.strip()
    sharedir = os.path.join(run([f"{PG_BIN}/pg_config", "--sharedir"]).stdout.strip(), "extension")
    return libdir, sharedir


def library(name):
    """An installed extension library: its digest, and whether it is a release build (a
    debug build, as `cargo pgrx test` installs, carries DWARF .debug_info sections)."""
    path = os.path.join(pg_dirs()[0], name + ".so")
    digest = run(["sha256sum", path]).stdout.split()[0]
    sections = run(["readelf", "-S", "-W", path], check=False).stdout
    stamp = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%Y-%m-%d %H:%M:%S")
    return {"path": path, "sha256": digest, "debug": ".debug_info" in sections,
            "installed": stamp, "size_mb": round(os.path.getsize(path) / 1e6, 1)}


def snapshot_extension():
    """Copies the installed extension (inventory.so, its control file and scripts) to the
    extension `inventory_bench`, same schema and SQL, which the benchmark creates instead.
    Other sessions on this machine install other builds of `inventory` while they test
    (`cargo pgrx test` installs a debug build); every new backend would load whatever is
    installed at that moment. The snapshot keeps the build measured fixed for the whole
    run. A copy whose SQL names a function the library lacks was taken in the middle of
    another install: it is taken again."""
    libdir, sharedir = pg_dirs()
    for attempt in range(5):
        so = os.path.join(libdir, "inventory.so")
        tmp = os.path.join(libdir, f".{EXTENSION}.so.tmp")
        shutil.copyfile(so, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, os.path.join(libdir, EXTENSION + ".so"))
        with open(os.path.join(sharedir, "inventory.control")) as f:
            control = f.read()
        control = re.sub(r"(?m)^module_pathname\s*=.*$",
                         f"module_pathname = '$libdir/{EXTENSION}'", control)
        with open(os.path.join(sharedir, EXTENSION + ".control"), "w") as f:
            f.write(control)
        symbols = set(run(["nm", "-D", "--defined-only", os.path.join(libdir, EXTENSION + ".so")])
                      .stdout.split())
        missing = set()
        for name in os.listdir(sharedir):
            if name.startswith("inventory--") and name.endswith(".sql"):
                with open(os.path.join(sharedir, name)) as f:
                    script = f.read()
                missing |= set(re.findall(r"'MODULE_PATHNAME',\s*'(\w+)'", script)) - symbols
                with open(os.path.join(sharedir, EXTENSION + name[len("inventory"):]), "w") as f:
                    f.write(script)
        if not missing:
            return library(EXTENSION)
        say(f"  the installed extension is changing (missing {sorted(missing)[:3]}); retrying")
        time.sleep(10)
    raise RuntimeError("the installed extension keeps changing: another session is installing "
                       "builds; run the benchmark again later")


def load_average():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def busy_processes():
    """The busiest processes that are not this benchmark's server or clients."""
    out = run(["ps", "-eo", "pid,ppid,pcpu,comm", "--sort=-pcpu", "--no-headers"]).stdout
    mine = postmaster_pid()
    rows = []
    for line in out.splitlines()[:15]:
        pid, ppid, cpu, comm = line.split(None, 3)
        if int(ppid) == mine or int(pid) == mine or comm in ("ps", "pgbench", "python3"):
            continue
        if float(cpu) >= 5:
            rows.append(f"{comm} ({cpu}%)")
    return rows[:6]


# ---------------------------------------------------------------------------------------

def main():
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "pgbench.out"), "w"):
        pass
    started = time.time()
    results = {"config": {k: v for k, v in vars(CFG).items()}}
    results["started"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results["load_before"] = load_average()
    say(f"load average before: {results['load_before']}")
    results["settings"] = configure()
    results["busy_before"] = busy_processes()
    results["machine"] = machine()
    results["library"] = snapshot_extension()
    if results["library"]["debug"]:
        say("  WARNING: the installed inventory.so is a debug build")
    load_template()
    files = write_import_files()

    cases = [("(a)", case_checkout), ("(b)", case_flash), ("(c)", case_salable),
             ("(d)", case_selection), ("(e) and (f)", lambda r: case_import(r, files))]
    if CFG.profile:
        cases += [("perf", perf_profile),
                  ("perf select_sources", lambda r: perf_flat(
                      r, "select_sources", "select_ext_priority.sql", 1,
                      {"sel_skus": CFG.sel_skus})),
                  ("statements", lambda r: statement_profile(r, files)),
                  ("plan cache", plan_cache_demo),
                  ("previous release", lambda r: previous_release(r, files))]
    for _name, case in cases:
        case(results)

    results["load_after"] = load_average()
    results["busy_after"] = busy_processes()
    results["elapsed_s"] = time.time() - started
    say(f"load average after: {results['load_after']}; took {results['elapsed_s'] / 60:.1f} min")
    with open(os.path.join(RESULTS, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)

    sys.path.insert(0, BENCH)
    import report
    report.write(results, os.path.join(ROOT, "BENCHMARKS.md"), os.path.join(BENCH, "throughput.png"))
    say("wrote BENCHMARKS.md and bench/throughput.png")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":
        # Rewrite BENCHMARKS.md from the last run's bench/results/results.json.
        sys.path.insert(0, BENCH)
        import report
        with open(os.path.join(RESULTS, "results.json")) as f:
            report.write(json.load(f), os.path.join(ROOT, "BENCHMARKS.md"),
                         os.path.join(BENCH, "throughput.png"))
    else:
        main()
