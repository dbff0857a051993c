# bench/run-postgres.sh: the measurements of `bench/run --postgres` (see `bench/run --help` and
# docs/benchmarks.md, "PostgreSQL"). bench/run sources it after its setup, its build and its
# helpers (start_server, stop_process, wrk_put, metric, cpu_seconds, tree_ticks, flush_ms, calc,
# fmt, range_fmt, json_list, ...); it is not run on its own.
#
# Every figure is measured in the same run as its baseline: one playmark-server on SQLite, with
# the same wrk load as the default mode's step 1. Rounds alternate SQLite, one server on
# PostgreSQL and two, so that a burst of other work on the machine spoils one round of each
# rather than one whole figure.

if ((quick)); then
    mode=postgres-quick
    rounds=2
    wrk_seconds=5
    pgbench_seconds=4
    event_count=200
else
    mode=postgres-full
    rounds=3
    wrk_seconds=10
    pgbench_seconds=8
    event_count=1000
fi
readonly pg_keys=20000 # distinct videos written, as wrk-put.lua's 2 threads x 10,000 ids

# ---------------------------------------------------------------------------------------------
# The cluster: private, on 127.0.0.1, stopped and removed on exit (after the servers using it).
pg_state=$work/postgres.state
pg_postmaster=
postgres_cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_process "$pid"; done
    if [[ -f "$pg_state" ]]; then
        # The cluster's own log (checkpoints, autovacuum, lock waits), for PLAYMARK_BENCH_KEEP=1.
        cp "$(sed -n 2p "$pg_state")/server.log" "$work/postgres.log" 2>/dev/null || true
        "$root/scripts/test-postgres" stop "$pg_state" >&2 || true
    fi
    cleanup
}
trap postgres_cleanup EXIT

# CPU ticks the cluster has used so far: the postmaster, its live children (backends, walwriter,
# checkpointer, ...) and the children it has reaped (backends of closed connections).
pg_ticks() { tree_ticks "$pg_postmaster"; }
extra_own_ticks() { pg_ticks; } # the cluster's CPU is this run's, not other work's
pg_cpu_seconds() { ticks_to_seconds "$(pg_ticks)"; }
# thread_cpu_seconds PID NAME: CPU time of a process's threads of that name (playmark-feed, ...).
thread_cpu_seconds() {
    local task total=0
    for task in /proc/"$1"/task/*; do
        [[ "$(cat "$task/comm" 2>/dev/null)" == "$2" ]] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "$task/stat")))
    done
    ticks_to_seconds "$total"
}
# Sets children_s: CPU seconds of the processes this shell has waited for so far (wrk, pgbench,
# playmark-loadgen). Never in a $(...), like count_own_ticks.
children_cpu() {
    times >"$work/times"
    children_s=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/times")
}
psql_do() { psql -qAtX -v ON_ERROR_STOP=1 "$pg_url" -c "$1"; }
# table_scans DATABASE-URL: sets table_scans (how the statements so far read progress and
# history) and history_rows_scanned (rows read by sequential scans of history: 0 when every
# prune used the primary key, as it should).
table_scans() {
    table_scans=$(psql -qAtX "$1" -c "SELECT string_agg(relname || ' ' || seq_scan || ' sequential scans (' || seq_tup_read || ' rows), ' || COALESCE(idx_scan, 0) || ' index scans', '; ' ORDER BY relname) FROM pg_stat_user_tables WHERE relname IN ('progress', 'history')")
    history_rows_scanned=$(psql -qAtX "$1" -c "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'history'")
    history_rows_scanned=${history_rows_scanned:-0}
}

flush_start=$(flush_ms)
note "one 8 KiB O_DSYNC write: $flush_start ms"

step "PostgreSQL: a private cluster (scripts/test-postgres)"
pg_url=$("$root/scripts/test-postgres" start "$pg_state") || die "the PostgreSQL cluster did not start"
pg_base=${pg_url%/*} # postgresql://postgres@127.0.0.1:PORT
pg_postmaster=$(head -n 1 "$(sed -n 2p "$pg_state")/data/postmaster.pid")
# Only what explains a stall goes to the log: lock waits, checkpoints, autovacuum runs.
psql_do "ALTER SYSTEM SET log_lock_waits = on" >/dev/null
psql_do "ALTER SYSTEM SET log_autovacuum_min_duration = 0" >/dev/null
psql_do "SELECT pg_reload_conf()" >/dev/null
pg_version=$(psql_do "SHOW server_version")
pg_settings=$(psql_do "SELECT string_agg(name || '=' || setting || COALESCE(unit, ''), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync',
    'wal_sync_method', 'max_wal_size', 'wal_buffers', 'commit_delay')")
note "$pg_url: PostgreSQL $pg_version ($pg_settings)"
# A template with the schema and the users, so that every measurement starts on a new database
# in a moment (CREATE DATABASE ... TEMPLATE).
psql_do "CREATE DATABASE bench_template" || die "cannot create a database"
token=$("$server_bin" user add bench --db "$pg_base/bench_template" 2>/dev/null) ||
    die "playmark-server user add on PostgreSQL failed"
events_token=$("$server_bin" user add events --db "$pg_base/bench_template" 2>/dev/null)
# P5's load: a user for each server's generator. playmark-loadgen names its videos and devices
# the same way in every process, so two generators of one user would write the very same
# records through two servers at once, each server's batch locking them in its own order: see
# "What else the runs found" in docs/benchmarks.md.
# shellcheck disable=SC2034 # read as ${!token_var} below
load_a_token=$("$server_bin" user add load-a --db "$pg_base/bench_template" 2>/dev/null)
# shellcheck disable=SC2034 # read as ${!token_var} below
load_b_token=$("$server_bin" user add load-b --db "$pg_base/bench_template" 2>/dev/null)
pg_token=$token
pg_wrk_tokens=$work/postgres.tokens
wrk_device_tokens "$pg_wrk_tokens" "$pg_base/bench_template" "$token"
new_database() { # new_database NAME: sets db_url
    psql_do "CREATE DATABASE $1 TEMPLATE bench_template" || die "cannot create database $1"
    db_url=$pg_base/$1
}
drop_database() { # and writes what it left in shared buffers to disk now, between measurements
    psql_do "DROP DATABASE IF EXISTS $1" || true
    psql_do "CHECKPOINT" || true
    settle
}

# ---------------------------------------------------------------------------------------------
# P1, P2 (and P4's CPU): durable PUT throughput, SQLite baseline, one and two servers.
sqlite_rps=() sqlite_p50=() sqlite_p99=() sqlite_server_ms=() sqlite_gen_ms=() sqlite_batch=()
one_rps=() one_p50=() one_p99=() one_server_ms=() one_pg_ms=() one_gen_ms=() one_batch=() one_wal=()
two_rps=() two_p50=() two_p99=() two_server_ms=() two_pg_ms=() two_gen_ms=() two_batch=()
two_feed_us=() two_split=()
put_errors=0 put_stale=0 seq_rows_read=0
ok_rps() { calc "$rps * ($requests - $non2xx) / ($requests > 0 ? $requests : 1)"; }
count_put() { # adds non-2xx answers and socket errors, and stale updates, to the run's totals
    put_errors=$((put_errors + non2xx + sock_errors))
    put_stale=$((put_stale + ${1:-0}))
}
per_update_ms() { calc "$1 * 1000 / ($2 > 0 ? $2 : 1)"; } # per_update_ms CPU_SECONDS UPDATES

measure_sqlite() {
    local round=$1 db=$work/sqlite-$1.sqlite cpu0 cpu1 gen0 transactions writes
    token=$("$server_bin" user add bench --db "$db" 2>/dev/null)
    wrk_tokens=$work/sqlite-$round.tokens
    wrk_device_tokens "$wrk_tokens" "$db" "$token"
    start_server "sqlite-$round" "$db"
    cpu0=$(cpu_seconds "$server_pid")
    children_cpu
    gen0=$children_s
    wrk_put "sqlite-$round" "$server_url"
    children_cpu
    cpu1=$(cpu_seconds "$server_pid")
    transactions=$(metric "$server_url" playmark_storage_transactions_total)
    writes=$(metric "$server_url" playmark_storage_writes_total)
    count_put "$(metric "$server_url" 'playmark_updates_total{outcome="stale"}')"
    stop_process "$server_pid"
    sqlite_rps+=("$(ok_rps)") sqlite_p50+=("$p50_ms") sqlite_p99+=("$p99_ms")
    sqlite_server_ms+=("$(per_update_ms "$(calc "$cpu1 - $cpu0")" "$requests")")
    sqlite_gen_ms+=("$(per_update_ms "$(calc "$children_s - $gen0")" "$requests")")
    sqlite_batch+=("$(calc "$writes / ($transactions > 0 ? $transactions : 1)")")
    note "sqlite: server $(fmt "${sqlite_server_ms[-1]}" 3) ms CPU per update," \
        "$(fmt "${sqlite_batch[-1]}" 1) updates per transaction"
    rm -f "$db" "$db"-*
    settle
}

measure_one() {
    local round=$1 cpu0 cpu1 pg0 pg1 gen0 transactions writes wal0
    token=$pg_token wrk_tokens=$pg_wrk_tokens
    new_database "one_$round"
    start_server "postgres-one-$round" "$db_url"
    cpu0=$(cpu_seconds "$server_pid") pg0=$(pg_cpu_seconds) wal0=$(psql_do "SELECT pg_current_wal_lsn()")
    children_cpu
    gen0=$children_s
    wrk_put "postgres-one-$round" "$server_url"
    children_cpu
    cpu1=$(cpu_seconds "$server_pid") pg1=$(pg_cpu_seconds)
    one_wal+=("$(calc "$(psql_do "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0')") / ($requests > 0 ? $requests : 1)")")
    transactions=$(metric "$server_url" playmark_storage_transactions_total)
    writes=$(metric "$server_url" playmark_storage_writes_total)
    count_put "$(metric "$server_url" 'playmark_updates_total{outcome="stale"}')"
    stop_process "$server_pid"
    table_scans "$db_url"
    seq_rows_read=$((seq_rows_read + history_rows_scanned))
    one_rps+=("$(ok_rps)") one_p50+=("$p50_ms") one_p99+=("$p99_ms")
    one_server_ms+=("$(per_update_ms "$(calc "$cpu1 - $cpu0")" "$requests")")
    one_pg_ms+=("$(per_update_ms "$(calc "$pg1 - $pg0")" "$requests")")
    one_gen_ms+=("$(per_update_ms "$(calc "$children_s - $gen0")" "$requests")")
    one_batch+=("$(calc "$writes / ($transactions > 0 ? $transactions : 1)")")
    note "one server: server $(fmt "${one_server_ms[-1]}" 3) ms, PostgreSQL" \
        "$(fmt "${one_pg_ms[-1]}" 3) ms CPU per update, $(fmt "${one_batch[-1]}" 1) updates per transaction," \
        "$(fmt "${one_wal[-1]}" 0) bytes of WAL per update"
    drop_database "one_$round"
}

measure_two() {
    local round=$1 a_pid a_url b_pid b_url cpu0 cpu1 pg0 pg1 gen0 feed0 feed1 wa wb
    local transactions writes rps_a rps_b p50_a p99_a updates
    token=$pg_token
    new_database "two_$round"
    start_server "postgres-two-a-$round" "$db_url"
    a_pid=$server_pid a_url=$server_url
    start_server "postgres-two-b-$round" "$db_url"
    b_pid=$server_pid b_url=$server_url
    cpu0=$(calc "$(cpu_seconds "$a_pid") + $(cpu_seconds "$b_pid")") pg0=$(pg_cpu_seconds)
    feed0=$(calc "$(thread_cpu_seconds "$a_pid" playmark-feed) + $(thread_cpu_seconds "$b_pid" playmark-feed)")
    children_cpu
    gen0=$children_s
    # The same 32 connections and 2 threads as one wrk -t2 -c32, split: 16 on each server, each
    # wrk with ids of its own (PLAYMARK_WRK_FIRST_THREAD).
    PLAYMARK_TOKEN=$pg_token PLAYMARK_WRK_TOKENS=$pg_wrk_tokens PLAYMARK_WRK_FIRST_THREAD=0 timeout $((wrk_seconds + 60)) \
        wrk -t1 -c16 -d"${wrk_seconds}s" --latency -s "$root/bench/wrk-put.lua" "$a_url" \
        >"$work/wrk-postgres-two-a-$round.txt" 2>&1 &
    wa=$!
    PLAYMARK_TOKEN=$pg_token PLAYMARK_WRK_TOKENS=$pg_wrk_tokens PLAYMARK_WRK_FIRST_THREAD=1 timeout $((wrk_seconds + 60)) \
        wrk -t1 -c16 -d"${wrk_seconds}s" --latency -s "$root/bench/wrk-put.lua" "$b_url" \
        >"$work/wrk-postgres-two-b-$round.txt" 2>&1 &
    wb=$!
    wait "$wa" || die "wrk (two servers, A) failed: $(cat "$work/wrk-postgres-two-a-$round.txt")"
    wait "$wb" || die "wrk (two servers, B) failed: $(cat "$work/wrk-postgres-two-b-$round.txt")"
    children_cpu
    cpu1=$(calc "$(cpu_seconds "$a_pid") + $(cpu_seconds "$b_pid")") pg1=$(pg_cpu_seconds)
    feed1=$(calc "$(thread_cpu_seconds "$a_pid" playmark-feed) + $(thread_cpu_seconds "$b_pid" playmark-feed)")
    transactions=$(($(metric "$a_url" playmark_storage_transactions_total) + $(metric "$b_url" playmark_storage_transactions_total)))
    writes=$(($(metric "$a_url" playmark_storage_writes_total) + $(metric "$b_url" playmark_storage_writes_total)))
    count_put "$(($(metric "$a_url" 'playmark_updates_total{outcome="stale"}') + $(metric "$b_url" 'playmark_updates_total{outcome="stale"}')))"
    stop_process "$a_pid"
    stop_process "$b_pid"
    table_scans "$db_url"
    seq_rows_read=$((seq_rows_read + history_rows_scanned))
    wrk_parse "postgres-two-a-$round"
    count_put 0
    rps_a=$(ok_rps) p50_a=$p50_ms p99_a=$p99_ms updates=$requests
    wrk_parse "postgres-two-b-$round"
    count_put 0
    rps_b=$(ok_rps)
    updates=$((updates + requests))
    two_rps+=("$(calc "$rps_a + $rps_b")")
    two_split+=("$(fmt "$rps_a" 0)+$(fmt "$rps_b" 0)")
    # Two wrk processes, two latency distributions: the figure is the higher of their percentiles.
    two_p50+=("$(calc "$p50_a > $p50_ms ? $p50_a : $p50_ms")")
    two_p99+=("$(calc "$p99_a > $p99_ms ? $p99_a : $p99_ms")")
    two_server_ms+=("$(per_update_ms "$(calc "$cpu1 - $cpu0")" "$updates")")
    two_pg_ms+=("$(per_update_ms "$(calc "$pg1 - $pg0")" "$updates")")
    two_gen_ms+=("$(per_update_ms "$(calc "$children_s - $gen0")" "$updates")")
    # Each server hears every change both commit (its own too) and decodes it on its feed thread.
    two_feed_us+=("$(calc "($feed1 - $feed0) * 1e6 / (2 * ($writes > 0 ? $writes : 1))")")
    two_batch+=("$(calc "$writes / ($transactions > 0 ? $transactions : 1)")")
    note "two servers: $(fmt "${two_rps[-1]}" 0)/s (${two_split[-1]}), servers" \
        "$(fmt "${two_server_ms[-1]}" 3) ms, PostgreSQL $(fmt "${two_pg_ms[-1]}" 3) ms CPU per update," \
        "$(fmt "${two_batch[-1]}" 1) updates per transaction, feed $(fmt "${two_feed_us[-1]}" 1) us per change heard"
    drop_database "two_$round"
}

other_mark
step "P1, P2. durable PUT throughput: SQLite, one server on PostgreSQL, two; ${rounds} rounds of ${wrk_seconds} s each"
for ((round = 1; round <= rounds; round++)); do
    measure_sqlite "$round"
    measure_one "$round"
    measure_two "$round"
done
other_since other_put
note "other work on the machine meanwhile: $(fmt "$other_put" 0)% of the $(nproc) cores"

# ---------------------------------------------------------------------------------------------
# P3. The database's own ceiling: pgbench running the statements ProgressStore runs for an
# applied update (bench/run-postgres.sh builds the script; the values are pgbench variables,
# prepared statements). Each client writes videos of its own with observed_at_ms rising, so every
# update is applied, as with wrk-put.lua.
# The columns and the upsert are the server's own; tst_sqlrecord checks that they still are.
pgbench_script() { # pgbench_script UPDATES NOTIFY(0|1) > FILE
    local updates=$1 notify=$2 i
    local columns="user_id, content_id, position_ms, duration_ms, device_id, device_name, observed_at_ms, state, title, show_id, episode_id, choices, watched, finished_at_ms, received_at_ms"
    local values="1, 'pm1-' || lpad(:key::text, 32, '0'), 5000, 3600000, 'pgbench-device-' || :device, 'pgbench device ' || :device, :at, 'playing', NULL, NULL, NULL, NULL, NULL, NULL, :at"
    echo 'BEGIN;'
    for ((i = 0; i < updates; i++)); do
        cat <<EOF
\\set key :client_id * 1000000 + random(1, :keys)
\\set device random(0, 3)
\\set obs :obs + 1
\\set at :base + :obs
INSERT INTO progress ($columns) VALUES ($values) ON CONFLICT (user_id, content_id) DO UPDATE SET position_ms = excluded.position_ms, duration_ms = excluded.duration_ms, device_id = excluded.device_id, device_name = excluded.device_name, observed_at_ms = excluded.observed_at_ms, state = excluded.state, title = excluded.title, show_id = excluded.show_id, episode_id = excluded.episode_id, choices = excluded.choices, watched = excluded.watched, finished_at_ms = excluded.finished_at_ms, received_at_ms = excluded.received_at_ms WHERE excluded.observed_at_ms > progress.observed_at_ms OR (excluded.observed_at_ms = progress.observed_at_ms AND excluded.device_id COLLATE "C" > progress.device_id);
INSERT INTO history ($columns) VALUES ($values);
DELETE FROM history WHERE user_id = 1 AND content_id = 'pm1-' || lpad(:key::text, 32, '0') AND observed_at_ms < (SELECT observed_at_ms FROM history WHERE user_id = 1 AND content_id = 'pm1-' || lpad(:key::text, 32, '0') ORDER BY observed_at_ms DESC LIMIT 1 OFFSET 63);
EOF
    done
    # One notice for the transaction, as ProgressStore::announce sends (its changes' records as
    # compact JSON), on a channel no server listens to.
    ((notify)) && echo "SELECT pg_notify('playmark_bench', :payload);"
    echo 'COMMIT;'
}
# A notice as a server sends it: {"o": origin, "c": [{"u": user, "r": record}, ...]}.
notice_payload() {
    local record='{"u":1,"r":{"content_id":"pm1-000000000000000000000000000001","device_id":"wrk-device-1","device_name":"wrk device 1","duration_ms":3600000,"observed_at_ms":1795819074790,"position_ms":5000,"received_at_ms":1795819074801,"state":"playing"}}'
    local changes="" i
    for ((i = 0; i < $1; i++)); do changes+="${changes:+,}$record"; done
    echo "{\"o\":\"{7c0e6a3e-3f1b-4c55-9a44-5f0b0d8e2a11}\",\"c\":[$changes]}"
}
pgbench_names=() pgbench_updates=() pgbench_notify=() pgbench_clients=() pgbench_rate=()
pgbench_latency=() pgbench_pg_ms=() pgbench_client_ms=() pgbench_failed=0
pgbench_run() { # pgbench_run UPDATES-PER-TRANSACTION NOTIFY CLIENTS
    local updates=$1 notify=$2 clients=$3 name out pg0 pg1 gen0 transactions failed rate
    name="u${updates}-$( ((notify)) && echo notify || echo plain)-c${clients}"
    out=$work/pgbench-$name.txt
    pgbench_script "$updates" "$notify" >"$work/pgbench-$name.sql"
    new_database "pgbench_$((${#pgbench_names[@]} + 1))"
    pg0=$(pg_cpu_seconds)
    children_cpu
    gen0=$children_s
    timeout $((pgbench_seconds + 60)) pgbench -n -M prepared -c "$clients" -j "$((clients < 2 ? clients : 2))" \
        -T "$pgbench_seconds" -D obs=0 -D base="$(date +%s%3N)" -D keys=$((pg_keys / clients)) \
        -D payload="$(notice_payload "$updates")" -f "$work/pgbench-$name.sql" "$db_url" >"$out" 2>&1 ||
        { cat "$out" >&2; die "pgbench ($name) failed"; }
    children_cpu
    pg1=$(pg_cpu_seconds)
    transactions=$(awk '/^number of transactions actually processed:/ { print $6 }' "$out")
    failed=$(awk '/^number of failed transactions:/ { print $5 }' "$out")
    pgbench_failed=$((pgbench_failed + ${failed:-0}))
    rate=$(awk -v u="$updates" '/^tps = / { print $3 * u }' "$out")
    pgbench_names+=("$name") pgbench_updates+=("$updates") pgbench_notify+=("$notify")
    pgbench_clients+=("$clients") pgbench_rate+=("$rate")
    pgbench_latency+=("$(awk '/^latency average = / { print $4 }' "$out")")
    pgbench_pg_ms+=("$(per_update_ms "$(calc "$pg1 - $pg0")" "$((transactions * updates))")")
    pgbench_client_ms+=("$(per_update_ms "$(calc "$children_s - $gen0")" "$((transactions * updates))")")
    note "pgbench $name: $(fmt "$rate" 0) updates/s, $(fmt "${pgbench_latency[-1]}" 2) ms a transaction," \
        "PostgreSQL $(fmt "${pgbench_pg_ms[-1]}" 3) ms CPU per update, pgbench $(fmt "${pgbench_client_ms[-1]}" 3) ms"
    drop_database "pgbench_${#pgbench_names[@]}"
}
# best_pgbench UPDATES NOTIFY: sets best_rate, best_clients, best_pg_ms (the highest rate).
best_pgbench() {
    local i
    best_rate=0 best_clients=0 best_pg_ms=0
    for i in "${!pgbench_names[@]}"; do
        [[ "${pgbench_updates[i]}" == "$1" && "${pgbench_notify[i]}" == "$2" ]] || continue
        if awk -v a="${pgbench_rate[i]}" -v b="$best_rate" 'BEGIN { exit !(a > b) }'; then
            best_rate=${pgbench_rate[i]} best_clients=${pgbench_clients[i]} best_pg_ms=${pgbench_pg_ms[i]}
        fi
    done
}

other_mark
step "P3. database ceiling: pgbench with the server's statements, ${pgbench_seconds} s each"
# 16 updates a transaction: about what a server's group commit gathers at 32 connections. One
# client is one server's writer; more clients, more servers (or a writer that overlapped its
# transactions). Then the same without the NOTIFY, and one update a transaction.
for clients in 1 2 4 8; do pgbench_run 16 1 "$clients"; done
for clients in 2 8; do pgbench_run 16 0 "$clients"; done
for clients in 1 8; do pgbench_run 1 1 "$clients"; done
pgbench_run 1 0 8
other_since other_pgbench
note "other work on the machine meanwhile: $(fmt "$other_pgbench" 0)% of the $(nproc) cores"

# ---------------------------------------------------------------------------------------------
# P5. Event propagation across servers: a PUT on A to its event on a stream held on B, vs the
# stream on A itself; idle, then while playmark-loadgen writes to both servers (another user, so
# that only the probe's own updates reach its stream, but every server hears every change).
other_mark
two_median=$(median "${two_rps[@]}")
load_rate=$(awk -v r="$two_median" 'BEGIN { v = int(r / 2 / 100) * 100; print (v < 200 ? 200 : v) }')
step "P5. event propagation: ${event_count} PUTs, one every 10 ms; idle, then under ${load_rate} updates/s on two servers"
start_pair() { # start_pair DATABASE: servers A and B on a new database
    new_database "$1"
    start_server "$1-a" "$db_url"
    events_a_pid=$server_pid events_a_url=$server_url
    start_server "$1-b" "$db_url"
    events_b_pid=$server_pid events_b_url=$server_url
}
stop_pair() { # stop_pair DATABASE: sets table_scans and history_rows_scanned, as table_scans
    stop_process "$events_a_pid"
    stop_process "$events_b_pid"
    table_scans "$pg_base/$1"
    drop_database "$1"
}
start_pair events
event_probe() { # event_probe NAME [--stream-url URL]: results in $work/events-NAME.json
    local name=$1
    shift
    timeout 180 "$events_bin" --url "$events_a_url" --token "$events_token" --count "$event_count" \
        --interval-ms 10 --content-id "bench-$name" --json "$work/events-$name.json" "$@" \
        >"$work/events-$name.txt" 2>&1 ||
        { cat "$work/events-$name.txt" >&2; die "playmark-eventlatency ($name) failed"; }
    note "$name: event p50 $(fmt "$(jqr .event_ms.p50 "$work/events-$name.json")" 2) ms," \
        "p99 $(fmt "$(jqr .event_ms.p99 "$work/events-$name.json")" 2) ms, max" \
        "$(fmt "$(jqr .event_ms.max "$work/events-$name.json")" 2) ms; PUT answer p99" \
        "$(fmt "$(jqr .put_answer_ms.p99 "$work/events-$name.json")" 2) ms;" \
        "$(jqr .events_missing "$work/events-$name.json") missing"
}
jqr() { jq -r "$1" "$2"; }
event_probe same
event_probe cross --stream-url "$events_b_url"
stop_pair events
# Under load: two generators, one a server, for as long as both probes take and a margin. The
# CPU the servers and the database spend meanwhile gives their cost per update at a rate below
# saturation, where transactions gather fewer updates than in P1 and P2. A new database: the
# idle probes' few rows must not be what PostgreSQL's statistics describe when the load begins
# (see "What else the runs found" in docs/benchmarks.md).
start_pair events_load
load_seconds=$((2 * event_count / 100 + 9))
fixed_sample() { # sets fixed_cpu, fixed_pg, fixed_feed, fixed_writes, fixed_transactions
    fixed_cpu=$(calc "$(cpu_seconds "$events_a_pid") + $(cpu_seconds "$events_b_pid")")
    fixed_feed=$(calc "$(thread_cpu_seconds "$events_a_pid" playmark-feed) + $(thread_cpu_seconds "$events_b_pid" playmark-feed)")
    fixed_pg=$(pg_cpu_seconds)
    fixed_writes=$(($(metric "$events_a_url" playmark_storage_writes_total) + $(metric "$events_b_url" playmark_storage_writes_total)))
    fixed_transactions=$(($(metric "$events_a_url" playmark_storage_transactions_total) + $(metric "$events_b_url" playmark_storage_transactions_total)))
}
fixed_sample
ps -o pid=,cputimes=,args= --ppid "$pg_postmaster" >"$work/events-load-postgres-before.txt" || true
fixed_cpu0=$fixed_cpu fixed_feed0=$fixed_feed fixed_pg0=$fixed_pg fixed_writes0=$fixed_writes
fixed_transactions0=$fixed_transactions
for side in a b; do
    url_var=events_${side}_url token_var=load_${side}_token
    timeout $((load_seconds + 60)) "$loadgen_bin" --url "${!url_var}" --token "${!token_var}" \
        --rate "$((load_rate / 2))" --connections 16 --duration "$load_seconds" \
        --seed "$([[ $side == a ]] && echo 1 || echo 2)" --json "$work/events-load-$side.json" \
        >"$work/events-load-$side.txt" 2>&1 &
    printf -v "load_pid_$side" '%s' "$!"
    pids+=("$!")
done
sleep 3 # the load under way first
event_probe same-loaded
event_probe cross-loaded --stream-url "$events_b_url"
wait "$load_pid_a" || { cat "$work/events-load-a.txt" >&2; die "playmark-loadgen (A) failed"; }
wait "$load_pid_b" || { cat "$work/events-load-b.txt" >&2; die "playmark-loadgen (B) failed"; }
forget_pid "$load_pid_a"
forget_pid "$load_pid_b"
fixed_sample
# What the database did meanwhile: each backend's CPU, and the scans of each table.
ps -o pid=,cputimes=,args= --ppid "$pg_postmaster" >"$work/events-load-postgres-after.txt" || true
fixed_updates=$((fixed_writes - fixed_writes0))
fixed_server_ms=$(per_update_ms "$(calc "$fixed_cpu - $fixed_cpu0")" "$fixed_updates")
fixed_pg_ms=$(per_update_ms "$(calc "$fixed_pg - $fixed_pg0")" "$fixed_updates")
fixed_feed_us=$(calc "($fixed_feed - $fixed_feed0) * 1e6 / (2 * ($fixed_updates > 0 ? $fixed_updates : 1))")
fixed_batch=$(calc "$fixed_updates / (($fixed_transactions - $fixed_transactions0) > 0 ? ($fixed_transactions - $fixed_transactions0) : 1)")
note "meanwhile, $fixed_updates updates: servers $(fmt "$fixed_server_ms" 3) ms, PostgreSQL" \
    "$(fmt "$fixed_pg_ms" 3) ms CPU per update, $(fmt "$fixed_batch" 1) updates per transaction," \
    "feed $(fmt "$fixed_feed_us" 1) us per change heard"
load_achieved=$(calc "$(jqr .writes.achieved_per_second "$work/events-load-a.json") + $(jqr .writes.achieved_per_second "$work/events-load-b.json")")
load_write_p99=$(calc "$(jqr .writes.latency_ms.p99 "$work/events-load-a.json") > $(jqr .writes.latency_ms.p99 "$work/events-load-b.json") ? $(jqr .writes.latency_ms.p99 "$work/events-load-a.json") : $(jqr .writes.latency_ms.p99 "$work/events-load-b.json")")
load_errors=$(($(jqr .writes.errors.total "$work/events-load-a.json") + $(jqr .writes.errors.total "$work/events-load-b.json")))
note "load: $(fmt "$load_achieved" 0) updates/s achieved (target $load_rate), write p99 $(fmt "$load_write_p99" 2) ms, $load_errors errors"
stop_pair events_load
scans=$table_scans
seq_rows_read=$((seq_rows_read + history_rows_scanned))
note "tables of the loaded database: $scans"
other_since other_events
note "other work on the machine meanwhile: $(fmt "$other_events" 0)% of the $(nproc) cores"
flush_end=$(flush_ms)
note "one 8 KiB O_DSYNC write: $flush_end ms"

# ---------------------------------------------------------------------------------------------
load_end=$(loadavg)
elapsed=$(($(date +%s) - run_started))
m_sqlite=$(median "${sqlite_rps[@]}") m_one=$(median "${one_rps[@]}") m_two=$two_median
m_sqlite_ms=$(median "${sqlite_server_ms[@]}") m_one_ms=$(median "${one_server_ms[@]}")
m_two_ms=$(median "${two_server_ms[@]}") m_one_pg_ms=$(median "${one_pg_ms[@]}")
m_two_pg_ms=$(median "${two_pg_ms[@]}") m_feed_us=$(median "${two_feed_us[@]}")
best_pgbench 16 1
ceiling=$best_rate ceiling_clients=$best_clients ceiling_pg_ms=$best_pg_ms
best_pgbench 16 0
plain_ceiling=$best_rate plain_clients=$best_clients
ev() { jqr "$1" "$work/events-$2.json"; }
ratio_cross=$(calc "$(ev .event_ms.p99 cross) / $(ev .event_ms.p99 same)")
ratio_cross_loaded=$(calc "$(ev .event_ms.p99 cross-loaded) / $(ev .event_ms.p99 same-loaded)")
events_missing=$(($(ev .events_missing same) + $(ev .events_missing cross) + $(ev .events_missing same-loaded) + $(ev .events_missing cross-loaded)))
met_cross=$(meets "$(ev .event_ms.p99 cross)" "<=" 100)
met_cross_loaded=$(meets "$(ev .event_ms.p99 cross-loaded)" "<=" 100)
met_errors=$(meets "$((put_errors + events_missing + pgbench_failed))" "==" 0)

commit=$(commit_label)
table=$(
    cat <<EOF
| # | Figure | Result | Baseline, same run | Ratio | Target | Met |
|---|---|---|---|---|---|---|
| P1 | Durable PUT/s, one server on PostgreSQL (median of $rounds) | $(thousands "$m_one")/s | one server on SQLite: $(thousands "$m_sqlite")/s | $(fmt "$(calc "$m_one / $m_sqlite")" 2) | - | - |
| P2 | Durable PUT/s, two servers on one PostgreSQL database (median of $rounds) | $(thousands "$m_two")/s | one server on SQLite: $(thousands "$m_sqlite")/s | $(fmt "$(calc "$m_two / $m_sqlite")" 2) | - | - |
| P2 | Two servers against one, both on PostgreSQL | $(thousands "$m_two")/s | one server: $(thousands "$m_one")/s | $(fmt "$(calc "$m_two / $m_one")" 2) | - | - |
| P3 | Database ceiling: pgbench, the server's statements, 16 updates and a NOTIFY a transaction (best of 1 - 8 clients: $ceiling_clients) | $(thousands "$ceiling") updates/s | one server on SQLite: $(thousands "$m_sqlite")/s | $(fmt "$(calc "$ceiling / $m_sqlite")" 2) | - | - |
| P3 | The same without the NOTIFY (best of 2, 8 clients: $plain_clients) | $(thousands "$plain_ceiling") updates/s | with it: $(thousands "$ceiling")/s | $(fmt "$(calc "$plain_ceiling / $ceiling")" 2) | - | - |
| P4 | Server CPU per update, one server on PostgreSQL | $(fmt "$m_one_ms" 3) ms | one server on SQLite: $(fmt "$m_sqlite_ms" 3) ms | $(fmt "$(calc "$m_one_ms / $m_sqlite_ms")" 2) | - | - |
| P4 | Server and PostgreSQL CPU per update, one server | $(fmt "$(calc "$m_one_ms + $m_one_pg_ms")" 3) ms | one server on SQLite: $(fmt "$m_sqlite_ms" 3) ms | $(fmt "$(calc "($m_one_ms + $m_one_pg_ms) / $m_sqlite_ms")" 2) | - | - |
| P4 | Servers and PostgreSQL CPU per update, two servers | $(fmt "$(calc "$m_two_ms + $m_two_pg_ms")" 3) ms | one server on SQLite: $(fmt "$m_sqlite_ms" 3) ms | $(fmt "$(calc "($m_two_ms + $m_two_pg_ms) / $m_sqlite_ms")" 2) | - | - |
| P4 | PostgreSQL CPU per update, pgbench (the P3 figure's run) | $(fmt "$ceiling_pg_ms" 3) ms | under one server: $(fmt "$m_one_pg_ms" 3) ms | $(fmt "$(calc "$ceiling_pg_ms / $m_one_pg_ms")" 2) | - | - |
| P4 | PostgreSQL CPU per update, under one server | $(fmt "$m_one_pg_ms" 3) ms | one server on SQLite (all of it): $(fmt "$m_sqlite_ms" 3) ms | $(fmt "$(calc "$m_one_pg_ms / $m_sqlite_ms")" 2) | - | - |
| P5 | Event p50 / p99, PUT on server A, stream on server B | $(fmt "$(ev .event_ms.p50 cross)" 2) / $(fmt "$(ev .event_ms.p99 cross)" 2) ms | stream on A: $(fmt "$(ev .event_ms.p50 same)" 2) / $(fmt "$(ev .event_ms.p99 same)" 2) ms | $(fmt "$ratio_cross" 2) | p99 <= 100 ms | $met_cross |
| P5 | The same under $(thousands "$load_achieved") updates/s on both servers | $(fmt "$(ev .event_ms.p50 cross-loaded)" 2) / $(fmt "$(ev .event_ms.p99 cross-loaded)" 2) ms | stream on A: $(fmt "$(ev .event_ms.p50 same-loaded)" 2) / $(fmt "$(ev .event_ms.p99 same-loaded)" 2) ms | $(fmt "$ratio_cross_loaded" 2) | p99 <= 100 ms | $met_cross_loaded |
| - | Rows of history read by sequential scans (P1, P2, P5 under load) | $(thousands "$seq_rows_read") | - | - | none: every prune by the primary key | $(meets "$seq_rows_read" "==" 0) |
| - | Non-2xx answers, socket errors, missing events, failed pgbench transactions | $((put_errors + events_missing + pgbench_failed)) | - | - | none | $met_errors |
EOF
)
pgbench_lines=$(for i in "${!pgbench_names[@]}"; do
    printf '%s %s/s (%s ms a transaction, PostgreSQL %s ms CPU per update); ' "${pgbench_names[i]}" \
        "$(thousands "${pgbench_rate[i]}")" "$(fmt "${pgbench_latency[i]}" 2)" "$(fmt "${pgbench_pg_ms[i]}" 3)"
done | sed 's/; $//')
details=$(
    cat <<EOF
- Run: \`bench/run --postgres$( ((quick)) && echo ' --quick')\` ($mode), $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $elapsed s in all.
- Machine: $(nproc) cores ($machine_cpu), $machine_memory RAM, temporary files on $machine_disk; load average $load_start at the start, $load_end at the end. One 8 KiB O_DSYNC write took $flush_start ms at the start, $flush_end ms at the end. Other work on the machine took, of the $(nproc) cores: $(fmt "$other_put" 0)% during P1/P2, $(fmt "$other_pgbench" 0)% during P3, $(fmt "$other_events" 0)% during P5.
- PostgreSQL $pg_version, private cluster on 127.0.0.1 ($pg_settings).
- PUT/s by round (2xx only; wrk, 32 connections, ${wrk_seconds} s): SQLite $(fmt_list "${sqlite_rps[@]}"); one server on PostgreSQL $(fmt_list "${one_rps[@]}"); two servers $(fmt_list "${two_rps[@]}") (A+B: ${two_split[*]}).
- Latency p50 / p99 (ms, medians of the rounds): SQLite $(fmt "$(median "${sqlite_p50[@]}")" 2) / $(fmt "$(median "${sqlite_p99[@]}")" 2); one server $(fmt "$(median "${one_p50[@]}")" 2) / $(fmt "$(median "${one_p99[@]}")" 2); two servers (the higher of the two wrk processes) $(fmt "$(median "${two_p50[@]}")" 2) / $(fmt "$(median "${two_p99[@]}")" 2).
- WAL written per update, one server: $(range_fmt 0 "${one_wal[@]}") bytes.
- Updates per transaction (group commit): SQLite $(range_fmt 1 "${sqlite_batch[@]}"), one server $(range_fmt 1 "${one_batch[@]}"), two servers $(range_fmt 1 "${two_batch[@]}").
- CPU per update (ms, range over the rounds): SQLite server $(range_fmt 3 "${sqlite_server_ms[@]}"); one server on PostgreSQL: server $(range_fmt 3 "${one_server_ms[@]}"), PostgreSQL $(range_fmt 3 "${one_pg_ms[@]}"); two servers: both servers $(range_fmt 3 "${two_server_ms[@]}"), PostgreSQL $(range_fmt 3 "${two_pg_ms[@]}"), of which each server's change feed decoding $(fmt "$m_feed_us" 1) us per change heard (median); wrk $(range_fmt 3 "${sqlite_gen_ms[@]}") (SQLite), $(range_fmt 3 "${one_gen_ms[@]}") (one), $(range_fmt 3 "${two_gen_ms[@]}") (two).
- pgbench (${pgbench_seconds} s each; uN = N updates a transaction, notify or plain, cN = N clients): $pgbench_lines.
- Events (${event_count} PUTs each): max $(fmt "$(ev .event_ms.max same)" 2) ms same server, $(fmt "$(ev .event_ms.max cross)" 2) ms across; under load max $(fmt "$(ev .event_ms.max same-loaded)" 2) / $(fmt "$(ev .event_ms.max cross-loaded)" 2) ms; PUT answer p99 $(fmt "$(ev .put_answer_ms.p99 cross)" 2) ms idle, $(fmt "$(ev .put_answer_ms.p99 cross-loaded)" 2) ms under load; the load: $(fmt "$load_achieved" 0) updates/s achieved of $load_rate, write p99 $(fmt "$load_write_p99" 2) ms, $load_errors errors; meanwhile (probes included) CPU per update: both servers $(fmt "$fixed_server_ms" 3) ms, PostgreSQL $(fmt "$fixed_pg_ms" 3) ms, feed decoding $(fmt "$fixed_feed_us" 1) us per change heard; $(fmt "$fixed_batch" 1) updates per transaction; the events database's tables at the end: $scans.
EOF
)

mkdir -p bench/results
{
    echo "# bench/run --postgres results ($mode)"
    echo
    echo "$table"
    echo
    echo "$details"
} >bench/results/postgres-latest.md

jq -n \
    --arg mode "$mode" --arg commit "$commit" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg cpu "$machine_cpu" --arg memory "$machine_memory" --arg disk "$machine_disk" \
    --arg load_start "$load_start" --arg load_end "$load_end" --arg pg_version "$pg_version" \
    --arg pg_settings "$pg_settings" \
    --argjson cores "$(nproc)" --argjson elapsed "$elapsed" \
    --argjson flush_start "$flush_start" --argjson flush_end "$flush_end" \
    --argjson other_put "$other_put" --argjson other_pgbench "$other_pgbench" \
    --argjson other_events "$other_events" --argjson wrk_seconds "$wrk_seconds" \
    --argjson sqlite "$(json_list "${sqlite_rps[@]}")" --argjson one "$(json_list "${one_rps[@]}")" \
    --argjson two "$(json_list "${two_rps[@]}")" \
    --argjson sqlite_p50 "$(json_list "${sqlite_p50[@]}")" --argjson sqlite_p99 "$(json_list "${sqlite_p99[@]}")" \
    --argjson one_p50 "$(json_list "${one_p50[@]}")" --argjson one_p99 "$(json_list "${one_p99[@]}")" \
    --argjson two_p50 "$(json_list "${two_p50[@]}")" --argjson two_p99 "$(json_list "${two_p99[@]}")" \
    --argjson sqlite_ms "$(json_list "${sqlite_server_ms[@]}")" \
    --argjson one_ms "$(json_list "${one_server_ms[@]}")" --argjson one_pg_ms "$(json_list "${one_pg_ms[@]}")" \
    --argjson two_ms "$(json_list "${two_server_ms[@]}")" --argjson two_pg_ms "$(json_list "${two_pg_ms[@]}")" \
    --argjson sqlite_gen "$(json_list "${sqlite_gen_ms[@]}")" --argjson one_gen "$(json_list "${one_gen_ms[@]}")" \
    --argjson two_gen "$(json_list "${two_gen_ms[@]}")" --argjson feed_us "$(json_list "${two_feed_us[@]}")" \
    --argjson sqlite_batch "$(json_list "${sqlite_batch[@]}")" --argjson one_batch "$(json_list "${one_batch[@]}")" \
    --argjson two_batch "$(json_list "${two_batch[@]}")" --argjson one_wal "$(json_list "${one_wal[@]}")" \
    --argjson put_errors "$put_errors" --argjson put_stale "$put_stale" \
    --argjson seq_rows_read "$seq_rows_read" \
    --argjson pgbench "$(for i in "${!pgbench_names[@]}"; do
        jq -n --arg name "${pgbench_names[i]}" --argjson updates "${pgbench_updates[i]}" \
            --argjson notify "${pgbench_notify[i]}" --argjson clients "${pgbench_clients[i]}" \
            --argjson rate "${pgbench_rate[i]}" --argjson latency "${pgbench_latency[i]}" \
            --argjson pg_ms "${pgbench_pg_ms[i]}" --argjson client_ms "${pgbench_client_ms[i]}" \
            '{name: $name, updates_per_transaction: $updates, notify: ($notify == 1),
              clients: $clients, updates_per_second: $rate, transaction_latency_ms: $latency,
              postgres_cpu_ms_per_update: $pg_ms, pgbench_cpu_ms_per_update: $client_ms}'
    done | jq -s .)" \
    --argjson pgbench_seconds "$pgbench_seconds" --argjson pgbench_failed "$pgbench_failed" \
    --slurpfile ev_same "$work/events-same.json" --slurpfile ev_cross "$work/events-cross.json" \
    --slurpfile ev_same_loaded "$work/events-same-loaded.json" \
    --slurpfile ev_cross_loaded "$work/events-cross-loaded.json" \
    --argjson load_rate "$load_rate" --argjson load_achieved "$load_achieved" \
    --argjson load_write_p99 "$load_write_p99" --argjson load_errors "$load_errors" \
    --argjson fixed_server_ms "$fixed_server_ms" --argjson fixed_pg_ms "$fixed_pg_ms" \
    --argjson fixed_feed_us "$fixed_feed_us" --argjson fixed_batch "$fixed_batch" \
    --arg met_cross "$met_cross" --arg met_cross_loaded "$met_cross_loaded" --arg met_errors "$met_errors" \
    'def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    {
      mode: $mode, commit: $commit, date: $date, elapsed_seconds: $elapsed,
      machine: {cores: $cores, cpu: $cpu, memory: $memory, disk: $disk,
                load_average_start: $load_start, load_average_end: $load_end,
                dsync_write_8k_ms: {start: $flush_start, end: $flush_end},
                other_work_percent_of_cores: {put: $other_put, pgbench: $other_pgbench, events: $other_events}},
      postgres: {version: $pg_version, settings: $pg_settings},
      put: {wrk_seconds: $wrk_seconds, connections: 32, wrk_threads: 2,
            per_second_by_round: {sqlite: $sqlite, postgres_one: $one, postgres_two: $two},
            median_per_second: {sqlite: ($sqlite | med), postgres_one: ($one | med), postgres_two: ($two | med)},
            ratio_to_sqlite: {postgres_one: (($one | med) / ($sqlite | med)), postgres_two: (($two | med) / ($sqlite | med))},
            p50_ms_by_round: {sqlite: $sqlite_p50, postgres_one: $one_p50, postgres_two: $two_p50},
            p99_ms_by_round: {sqlite: $sqlite_p99, postgres_one: $one_p99, postgres_two: $two_p99},
            updates_per_transaction_by_round: {sqlite: $sqlite_batch, postgres_one: $one_batch, postgres_two: $two_batch},
            cpu_ms_per_update_by_round: {sqlite_server: $sqlite_ms, postgres_one_server: $one_ms,
                postgres_one_database: $one_pg_ms, postgres_two_servers: $two_ms,
                postgres_two_database: $two_pg_ms, wrk_sqlite: $sqlite_gen, wrk_postgres_one: $one_gen,
                wrk_postgres_two: $two_gen},
            feed_cpu_us_per_change_heard_by_round: $feed_us,
            postgres_one_wal_bytes_per_update_by_round: $one_wal,
            non_2xx_and_socket_errors: $put_errors, stale: $put_stale},
      history_rows_read_by_sequential_scans: $seq_rows_read,
      pgbench: {seconds: $pgbench_seconds, failed_transactions: $pgbench_failed, runs: $pgbench},
      events: {same_server: $ev_same[0], across_servers: $ev_cross[0],
               under_load: {updates_per_second_target: $load_rate, updates_per_second: $load_achieved,
                            write_p99_ms: $load_write_p99, write_errors: $load_errors,
                            cpu_ms_per_update: {servers: $fixed_server_ms, database: $fixed_pg_ms},
                            feed_cpu_us_per_change_heard: $fixed_feed_us,
                            updates_per_transaction: $fixed_batch,
                            same_server: $ev_same_loaded[0], across_servers: $ev_cross_loaded[0]},
               target_met: {across: ($met_cross == "yes"), across_under_load: ($met_cross_loaded == "yes")}},
      no_errors: ($met_errors == "yes")
    }' >bench/results/postgres-latest.json

echo
echo "$table"
echo
echo "$details"
echo
echo "bench/run: $mode run in $elapsed s; bench/results/postgres-latest.md and postgres-latest.json written" >&2
