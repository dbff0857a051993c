# bench/run-ha.sh: the measurements of `bench/run --ha` (see `bench/run --help` and
# docs/benchmarks.md, "High availability"). bench/run sources it after its setup, its build and
# its helpers (start_server, stop_process, wrk_put, metric, tree_ticks, flush_ms, calc, fmt,
# range_fmt, json_list, ...); it is not run on its own.
#
# H1: durable PUTs through one playmark-server on the private HA cluster (scripts/test-postgres-ha:
# Patroni, 3 etcd members, a primary and a standby on 127.0.0.1) with synchronous replication, the
# same cluster switched to asynchronous replication, and a single PostgreSQL (scripts/test-postgres)
# as the baseline, all in the same run, rounds alternating the three so that a burst of other work
# on the machine spoils one round of each rather than one whole figure.
# H2: failovers under a steady writer (bench/failover-writer.py): kill -9 of the primary's
# PostgreSQL, then of a whole node (Patroni with it), each timed from the kill to the first 200
# answer to a PUT sent after the kill; then every acknowledged PUT is looked for in the database.

if ((quick)); then
    mode=ha-quick
    rounds=2
    wrk_seconds=5
    failovers=2
    node_kills=1
else
    mode=ha-full
    rounds=3
    wrk_seconds=10
    failovers=5
    node_kills=2
fi
readonly writer_rate=100 # the failover writer's PUTs a second
readonly writer_device=ha-writer # its PUTs' device id: how their rows are found in the database

# ---------------------------------------------------------------------------------------------
# The clusters: private, on 127.0.0.1, stopped and removed on exit (after the servers using them).
single_state=$work/postgres.state
ha_state=$work/postgres-ha.state
ha_dir=
ha_cleanup() {
    local pid dir
    for pid in "${pids[@]}"; do stop_process "$pid"; done
    if [[ -f "$ha_state" ]]; then
        # Patroni's and PostgreSQL's logs, for PLAYMARK_BENCH_KEEP=1. From the STATE file: ha_dir
        # is not set yet when the start failed.
        dir=$(sed -n 's/^dir=//p' "$ha_state")
        if [[ -n "$dir" ]]; then
            mkdir -p "$work/ha-logs"
            cp -r "$dir"/*.log "$dir"/node*-log "$work/ha-logs/" 2>/dev/null || true
        fi
        "$root/scripts/test-postgres-ha" stop "$ha_state" >&2 || true
    fi
    [[ -f "$single_state" ]] && { "$root/scripts/test-postgres" stop "$single_state" >&2 || true; }
    cleanup
}
trap ha_cleanup EXIT

ha() { "$root/scripts/test-postgres-ha" "$1" "$ha_state" "${@:2}"; } # ha COMMAND [ARGS...]
now_ms() { date +%s%3N; }

postmaster_of() { head -n 1 "$1/postmaster.pid" 2>/dev/null || echo 0; } # postmaster_of DATADIR
# PostgreSQL's CPU seconds so far: the single cluster's, or the HA cluster's two nodes together
# (the standby's WAL receiver and startup process replaying are part of what replication costs).
pg_seconds() {
    local ticks=0 node
    if [[ "$1" == single ]]; then
        ticks=$(tree_ticks "$single_postmaster")
    else
        for node in node1 node2; do
            ticks=$((ticks + $(tree_ticks "$(postmaster_of "$ha_dir/$node/data")")))
        done
    fi
    ticks_to_seconds "$ticks"
}
# Both clusters' CPU is this run's, not other work's: PostgreSQL, Patroni and etcd. Each process
# tree once, by the pids scripts/test-postgres-ha records (etcdN.pid, nodeN.pid: Patroni; the
# postmasters, which Patroni detaches: not its children), not by their command lines, which the
# runuser parents share.
extra_own_ticks() {
    local total pid n
    total=$(tree_ticks "$single_postmaster")
    if [[ -n "$ha_dir" ]]; then
        for n in 1 2 3; do
            pid=$(head -n 1 "$ha_dir/etcd$n.pid" 2>/dev/null || echo 0)
            total=$((total + $(tree_ticks "$pid")))
        done
        for n in 1 2; do
            pid=$(head -n 1 "$ha_dir/node$n.pid" 2>/dev/null || echo 0)
            total=$((total + $(tree_ticks "$pid") + $(tree_ticks "$(postmaster_of "$ha_dir/node$n/data")")))
        done
    fi
    echo "$total"
}

flush_start=$(flush_ms)
note "one 8 KiB O_DSYNC write: $flush_start ms"

step "clusters: a single PostgreSQL (scripts/test-postgres), an HA cluster (scripts/test-postgres-ha)"
single_postmaster=0
single_url=$("$root/scripts/test-postgres" start "$single_state") || die "the PostgreSQL cluster did not start"
single_base=${single_url%/*} # postgresql://postgres@127.0.0.1:PORT
single_postmaster=$(postmaster_of "$(sed -n 2p "$single_state")/data")
ha_started=$(now_ms)
ha_url=$(ha start) || die "the HA cluster did not start"
ha_start_seconds=$(calc "($(now_ms) - $ha_started) / 1000")
ha_dir=$(sed -n 's/^dir=//p' "$ha_state")
# The cluster's Patroni settings (the test ones) for the report: "ttl 5 s, loop_wait 1 s, ...".
patroni_settings=$(awk '$1 ~ /^(ttl|loop_wait|retry_timeout|primary_start_timeout):$/ {
    printf "%s%s %s%s", (n++ ? ", " : ""), substr($1, 1, length($1) - 1), $2, ($2 == 0 ? "" : " s") }' \
    "$ha_dir/node1.yml")
ha_prefix=${ha_url%/*} # postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2
ha_query=${ha_url##*\?} # target_session_attrs=read-write
db_url() { # db_url single|ha NAME: a database's URL on that cluster
    if [[ "$1" == single ]]; then echo "$single_base/$2"; else echo "$ha_prefix/$2?$ha_query"; fi
}
psql_on() { psql -qAtX -v ON_ERROR_STOP=1 "$(db_url "$1" postgres)" -c "$2"; } # psql_on single|ha SQL
pg_version=$(psql_on single "SHOW server_version")
patroni_version=$(patroni --version 2>/dev/null | awk '{ print $2 }')
note "single: $single_url; HA: $ha_url (started in $(fmt "$ha_start_seconds" 1) s, primary $(ha primary), synchronous standby $(ha standby))"
# A template with the schema and the users on each cluster, so that every measurement starts on a
# new database in a moment (CREATE DATABASE ... TEMPLATE). Tokens differ between the clusters.
# wrk's four devices have a token each (wrk_device_tokens).
declare -A tokens
for cluster in single ha; do
    psql_on "$cluster" "CREATE DATABASE bench_template" || die "cannot create a database ($cluster)"
    tokens[$cluster]=$("$server_bin" user add bench --db "$(db_url "$cluster" bench_template)" 2>/dev/null) ||
        die "playmark-server user add on the $cluster cluster failed"
    [[ -n "${tokens[$cluster]}" ]] || die "no token ($cluster)"
    wrk_device_tokens "$work/$cluster.tokens" "$(db_url "$cluster" bench_template)" "${tokens[$cluster]}"
done

# ---------------------------------------------------------------------------------------------
# H1. Durable PUT throughput and latency: single, HA synchronous, HA asynchronous.
h_single_rps=() h_single_p50=() h_single_p99=() h_single_batch=() h_single_pg_ms=()
h_sync_rps=() h_sync_p50=() h_sync_p99=() h_sync_batch=() h_sync_pg_ms=()
h_async_rps=() h_async_p50=() h_async_p99=() h_async_batch=() h_async_pg_ms=()
put_errors=0 switch_seconds=()

# synchronous on|off: switches the HA cluster's replication; waits until the primary has it.
synchronous() {
    local started
    started=$(now_ms)
    ha synchronous "$1" || die "the HA cluster's synchronous replication did not turn $1"
    switch_seconds+=("$(calc "($(now_ms) - $started) / 1000")")
}

# measure single|sync|async ROUND: one server on a new database of that configuration, wrk.
measure() {
    local config=$1 round=$2 cluster=ha name=${1}_$2 pg0 pg1 transactions writes
    local -n m_rps=h_${config}_rps m_p50=h_${config}_p50 m_p99=h_${config}_p99
    local -n m_batch=h_${config}_batch m_pg_ms=h_${config}_pg_ms
    [[ "$config" == single ]] && cluster=single
    token=${tokens[$cluster]} wrk_tokens=$work/$cluster.tokens
    psql_on "$cluster" "CREATE DATABASE $name TEMPLATE bench_template" || die "cannot create database $name"
    start_server "ha-$config-$round" "$(db_url "$cluster" "$name")"
    pg0=$(pg_seconds "$cluster")
    wrk_put "ha-$config-$round" "$server_url"
    pg1=$(pg_seconds "$cluster")
    transactions=$(metric "$server_url" playmark_storage_transactions_total)
    writes=$(metric "$server_url" playmark_storage_writes_total)
    stop_process "$server_pid"
    put_errors=$((put_errors + non2xx + sock_errors))
    m_rps+=("$(calc "$rps * ($requests - $non2xx) / ($requests > 0 ? $requests : 1)")")
    m_p50+=("$p50_ms") m_p99+=("$p99_ms")
    m_batch+=("$(calc "$writes / ($transactions > 0 ? $transactions : 1)")")
    m_pg_ms+=("$(calc "($pg1 - $pg0) * 1000 / ($requests > 0 ? $requests : 1)")")
    note "$config: $(fmt "${m_batch[-1]}" 1) updates per transaction, PostgreSQL" \
        "$(fmt "${m_pg_ms[-1]}" 3) ms CPU per update$([[ $cluster == ha ]] && echo ' (both nodes)')"
    psql_on "$cluster" "DROP DATABASE IF EXISTS $name" || true
    psql_on "$cluster" "CHECKPOINT" || true
    settle
}

other_mark
step "H1. durable PUT throughput: single PostgreSQL, HA synchronous, HA asynchronous; ${rounds} rounds of ${wrk_seconds} s each"
for ((round = 1; round <= rounds; round++)); do
    measure single "$round"
    measure sync "$round"
    synchronous off
    measure async "$round"
    synchronous on
done
other_since other_put
note "other work on the machine meanwhile: $(fmt "$other_put" 0)% of the $(nproc) cores"

# ---------------------------------------------------------------------------------------------
# H2. Failovers under a steady writer: one server on the HA cluster (synchronous, as started),
# bench/failover-writer.py sending $writer_rate PUTs a second, each on a connection of its own.
fo_what=() fo_old=() fo_new=() fo_kill_ms=() fo_script_ms=() fo_first_ms=() fo_healthy_s=()
# first_ok_after MS: the earliest answer time of a 200 to a PUT sent at or after MS, if any.
first_ok_after() {
    awk -v t="$1" '$1 !~ /^#/ && $1 >= t && $3 == 200 && (first == "" || $2 < first) { first = $2 }
        END { print first }' "$work/writer.log"
}

# failover postgres|node: kills the primary's PostgreSQL or its whole node, times the first
# acknowledged write, restarts a killed node's Patroni, and waits until a synchronous standby
# streams again.
failover() {
    local what=$1 old new before kill_ms first deadline healthy_from
    ha wait-healthy >/dev/null || die "the HA cluster is not healthy"
    old=$(ha primary)
    sleep 2 # writes flowing on a healthy cluster before the kill
    [[ -n "$(first_ok_after "$(($(now_ms) - 1000))")" ]] || die "no PUT acknowledged before the kill: $(tail -n 3 "$work/writer.log")"
    before=$(now_ms)
    ha kill "$old" "$what"
    # Taken once the script has killed it, as tst_failover does: a PUT sent before could still
    # have been committed by the old primary.
    kill_ms=$(now_ms)
    deadline=$((SECONDS + 120))
    until first=$(first_ok_after "$kill_ms") && [[ -n "$first" ]]; do
        ((SECONDS < deadline)) || die "no PUT acknowledged within 120 s of killing $old's $what"
        sleep 0.1
    done
    new=$(ha primary || echo '?')
    healthy_from=$kill_ms
    if [[ "$what" == node ]]; then
        ha start-node "$old"
        healthy_from=$(now_ms)
    fi
    ha wait-healthy 180 >/dev/null || die "no synchronous standby again after killing $old's $what"
    fo_what+=("$what") fo_old+=("$old") fo_new+=("$new") fo_kill_ms+=("$kill_ms")
    fo_script_ms+=("$((kill_ms - before))") fo_first_ms+=("$((first - kill_ms))")
    fo_healthy_s+=("$(calc "($(now_ms) - $healthy_from) / 1000")")
    note "$what of $old killed: first PUT acknowledged $((first - kill_ms)) ms after the kill" \
        "($new primary now); a synchronous standby again $(fmt "${fo_healthy_s[-1]}" 1) s after the" \
        "$([[ $what == node ]] && echo "node's restart" || echo kill)"
}

step "H2. failovers: ${failovers} times the primary's PostgreSQL killed, ${node_kills} times its whole node; a writer at ${writer_rate} PUTs/s"
psql_on ha "CREATE DATABASE failover TEMPLATE bench_template" || die "cannot create database failover"
start_server ha-failover "$(db_url ha failover)"
failover_server_pid=$server_pid
/usr/bin/python3 "$root/bench/failover-writer.py" --url "$server_url" --token "${tokens[ha]}" \
    --rate "$writer_rate" --device "$writer_device" >"$work/writer.log" 2>"$work/writer.err" &
writer_pid=$!
pids+=("$writer_pid")
for ((i = 1; i <= failovers; i++)); do failover postgres; done
for ((i = 1; i <= node_kills; i++)); do failover node; done
sleep 2
stop_process "$writer_pid"
stop_process "$failover_server_pid"
if [[ -s "$work/writer.err" ]]; then note "bench/failover-writer.py said: $(tail -n 3 "$work/writer.err")"; fi

# The answers to the PUTs sent from each kill until that failover's first acknowledged write.
fo_ok=() fo_503=() fo_other=()
for i in "${!fo_what[@]}"; do
    read -r ok refused other < <(awk -v from="${fo_kill_ms[i]}" -v to="$((fo_kill_ms[i] + fo_first_ms[i]))" '
        $1 !~ /^#/ && $1 >= from && $1 <= to { if ($3 == 200) ok++; else if ($3 == 503) r++; else o++ }
        END { print ok + 0, r + 0, o + 0 }' "$work/writer.log")
    fo_ok+=("$ok") fo_503+=("$refused") fo_other+=("$other")
done
# Every acknowledged PUT must be in the database: synchronous replication loses none.
awk '$1 !~ /^#/ && $3 == 200 { print $4 " " $5 }' "$work/writer.log" | sort -u >"$work/acked.txt"
psql -qAtX -v ON_ERROR_STOP=1 "$(db_url ha failover)" \
    -c "SELECT content_id || ' ' || observed_at_ms FROM progress WHERE device_id = '$writer_device'" |
    sort -u >"$work/stored.txt" || die "cannot read the failover database"
acked=$(wc -l <"$work/acked.txt")
lost=$(comm -23 "$work/acked.txt" "$work/stored.txt" | wc -l)
# Answered: an HTTP status came back (the writer logs 0 when none did).
writer_total=$(awk '$1 !~ /^#/ && $3 != 0 { n++ } END { print n + 0 }' "$work/writer.log")
# The writer's last line: "# skipped N of at most M in flight".
read -r writer_skipped writer_in_flight < <(sed -n 's/^# skipped \([0-9]*\) of at most \([0-9]*\) in flight$/\1 \2/p' "$work/writer.log")
[[ -n "${writer_in_flight:-}" ]] || die "bench/failover-writer.py wrote no summary line: $(tail -n 1 "$work/writer.log")"
note "writer: $writer_total PUTs answered, $acked acknowledged, $lost of them not in the database," \
    "$writer_skipped not sent ($writer_in_flight in flight)"
flush_end=$(flush_ms)
note "one 8 KiB O_DSYNC write: $flush_end ms"

# ---------------------------------------------------------------------------------------------
load_end=$(loadavg)
elapsed=$(($(date +%s) - run_started))
max_of() { printf '%s\n' "$@" | sort -g | tail -n 1; }
select_by() { # select_by postgres|node ARRAY-NAME: the array's values for failovers of that kind
    local -n values=$2
    local i
    for i in "${!fo_what[@]}"; do [[ "${fo_what[i]}" == "$1" ]] && echo "${values[i]}"; done
    true
}
m_single=$(median "${h_single_rps[@]}") m_sync=$(median "${h_sync_rps[@]}") m_async=$(median "${h_async_rps[@]}")
p_single=$(median "${h_single_p99[@]}") p_sync=$(median "${h_sync_p99[@]}") p_async=$(median "${h_async_p99[@]}")
mapfile -t pg_first < <(select_by postgres fo_first_ms)
mapfile -t node_first < <(select_by node fo_first_ms)
mapfile -t pg_healthy < <(select_by postgres fo_healthy_s)
mapfile -t node_healthy < <(select_by node fo_healthy_s)
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
mapfile -t pg_ok < <(select_by postgres fo_ok)
mapfile -t pg_503 < <(select_by postgres fo_503)
mapfile -t pg_other < <(select_by postgres fo_other)
mapfile -t node_ok < <(select_by node fo_ok)
mapfile -t node_503 < <(select_by node fo_503)
mapfile -t node_other < <(select_by node fo_other)
s() { calc "$1 / 1000"; } # milliseconds to seconds
met_lost=$(meets "$lost" "==" 0)
met_errors=$(meets "$put_errors" "==" 0)

commit=$(commit_label)
table=$(
    cat <<EOF
| # | Figure | Result | Baseline, same run | Ratio | Target | Met |
|---|---|---|---|---|---|---|
| H1 | Durable PUT/s, HA cluster, synchronous replication (median of $rounds) | $(thousands "$m_sync")/s | single PostgreSQL: $(thousands "$m_single")/s | $(fmt "$(calc "$m_sync / $m_single")" 2) | - | - |
| H1 | Durable PUT/s, HA cluster, asynchronous replication (median of $rounds) | $(thousands "$m_async")/s | single PostgreSQL: $(thousands "$m_single")/s | $(fmt "$(calc "$m_async / $m_single")" 2) | - | - |
| H1 | Synchronous against asynchronous | $(thousands "$m_sync")/s | asynchronous: $(thousands "$m_async")/s | $(fmt "$(calc "$m_sync / $m_async")" 2) | - | - |
| H1 | PUT p99, synchronous (median of $rounds) | $(fmt "$p_sync" 2) ms | single PostgreSQL: $(fmt "$p_single" 2) ms | $(fmt "$(calc "$p_sync / $p_single")" 2) | - | - |
| H1 | PUT p99, asynchronous (median of $rounds) | $(fmt "$p_async" 2) ms | single PostgreSQL: $(fmt "$p_single" 2) ms | $(fmt "$(calc "$p_async / $p_single")" 2) | - | - |
| H2 | Failover, the primary's PostgreSQL killed: kill to first acknowledged PUT sent after it, median / max of $failovers | $(fmt "$(s "$(median "${pg_first[@]}")")" 2) / $(fmt "$(s "$(max_of "${pg_first[@]}")")" 2) s | - | - | - | - |
| H2 | PUTs sent during those failovers (kill to first acknowledgement): 200 / 503 / other or none | $(sum "${pg_ok[@]}") / $(sum "${pg_503[@]}") / $(sum "${pg_other[@]}") | - | - | - | - |
| H2 | Failover, the primary's whole node killed (Patroni too; the leader key expires): kill to first acknowledged PUT sent after it, median / max of $node_kills | $(fmt "$(s "$(median "${node_first[@]}")")" 2) / $(fmt "$(s "$(max_of "${node_first[@]}")")" 2) s | PostgreSQL killed: $(fmt "$(s "$(median "${pg_first[@]}")")" 2) s | $(fmt "$(calc "$(median "${node_first[@]}") / $(median "${pg_first[@]}")")" 2) | - | - |
| H2 | PUTs sent during those failovers (kill to first acknowledgement): 200 / 503 / other or none | $(sum "${node_ok[@]}") / $(sum "${node_503[@]}") / $(sum "${node_other[@]}") | - | - | - | - |
| H2 | A synchronous standby streaming again, median: PostgreSQL killed (from the kill) / node killed (from its restart) | $(fmt "$(median "${pg_healthy[@]}")" 1) / $(fmt "$(median "${node_healthy[@]}")" 1) s | - | - | - | - |
| H2 | Acknowledged PUTs missing from the database after all failovers | $lost of $(thousands "$acked") | - | - | none | $met_lost |
| - | Non-2xx answers and socket errors in H1 | $put_errors | - | - | none | $met_errors |
EOF
)
failover_lines=$(for i in "${!fo_what[@]}"; do
    printf '%s of %s: %s ms (%s primary after; %s / %s / %s; standby again %s s); ' "${fo_what[i]}" \
        "${fo_old[i]}" "${fo_first_ms[i]}" "${fo_new[i]}" "${fo_ok[i]}" "${fo_503[i]}" \
        "${fo_other[i]}" "$(fmt "${fo_healthy_s[i]}" 1)"
done | sed 's/; $//')
details=$(
    cat <<EOF
- Run: \`bench/run --ha$( ((quick)) && echo ' --quick')\` ($mode), $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $elapsed s in all.
- Machine: $(nproc) cores ($machine_cpu), $machine_memory RAM, temporary files on $machine_disk; load average $load_start at the start, $load_end at the end. One 8 KiB O_DSYNC write took $flush_start ms at the start, $flush_end ms at the end. Other work on the machine took $(fmt "$other_put" 0)% of the $(nproc) cores during H1.
- PostgreSQL $pg_version; Patroni $patroni_version ($patroni_settings); the HA cluster started in $(fmt "$ha_start_seconds" 1) s; switching its replication took $(range_fmt 1 "${switch_seconds[@]}") s.
- PUT/s by round (2xx only; wrk, 32 connections, 2 threads, ${wrk_seconds} s): single $(fmt_list "${h_single_rps[@]}"); synchronous $(fmt_list "${h_sync_rps[@]}"); asynchronous $(fmt_list "${h_async_rps[@]}").
- Latency p50 / p99 (ms, medians of the rounds): single $(fmt "$(median "${h_single_p50[@]}")" 2) / $(fmt "$p_single" 2); synchronous $(fmt "$(median "${h_sync_p50[@]}")" 2) / $(fmt "$p_sync" 2); asynchronous $(fmt "$(median "${h_async_p50[@]}")" 2) / $(fmt "$p_async" 2). p99 by round: single $(fmt_list "${h_single_p99[@]}"); synchronous $(fmt_list "${h_sync_p99[@]}"); asynchronous $(fmt_list "${h_async_p99[@]}").
- Updates per transaction (group commit): single $(range_fmt 1 "${h_single_batch[@]}"), synchronous $(range_fmt 1 "${h_sync_batch[@]}"), asynchronous $(range_fmt 1 "${h_async_batch[@]}"). PostgreSQL CPU per update (ms; HA: both nodes): single $(range_fmt 3 "${h_single_pg_ms[@]}"), synchronous $(range_fmt 3 "${h_sync_pg_ms[@]}"), asynchronous $(range_fmt 3 "${h_async_pg_ms[@]}").
- Failovers (kill to first acknowledged PUT sent after it; then PUTs sent until then answered 200 / 503 / other or none; then until a synchronous standby streams again, from the kill or from the node's restart): $failover_lines.
- The writer: $writer_rate PUTs/s, each on a new connection; $writer_total answered, $acked acknowledged, $lost of those missing from the database, $writer_skipped not sent ($writer_in_flight in flight). The clock starts when \`scripts/test-postgres-ha kill\` returns, within milliseconds of the kill, which is its last step; before it, the script spent $(range_fmt 0 "${fo_script_ms[@]}") ms starting and reading its STATE file.
EOF
)

mkdir -p bench/results
{
    echo "# bench/run --ha results ($mode)"
    echo
    echo "$table"
    echo
    echo "$details"
} >bench/results/ha-latest.md

json_strings() { printf '%s\n' "$@" | jq -R . | jq -s .; }
jq -n \
    --arg mode "$mode" --arg commit "$commit" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg cpu "$machine_cpu" --arg memory "$machine_memory" --arg disk "$machine_disk" \
    --arg load_start "$load_start" --arg load_end "$load_end" --arg pg_version "$pg_version" \
    --arg patroni_version "$patroni_version" \
    --argjson cores "$(nproc)" --argjson elapsed "$elapsed" \
    --argjson flush_start "$flush_start" --argjson flush_end "$flush_end" \
    --argjson other_put "$other_put" --argjson wrk_seconds "$wrk_seconds" \
    --argjson ha_start "$ha_start_seconds" --argjson switch "$(json_list "${switch_seconds[@]}")" \
    --argjson single "$(json_list "${h_single_rps[@]}")" --argjson sync "$(json_list "${h_sync_rps[@]}")" \
    --argjson async "$(json_list "${h_async_rps[@]}")" \
    --argjson h_single_p50 "$(json_list "${h_single_p50[@]}")" --argjson h_single_p99 "$(json_list "${h_single_p99[@]}")" \
    --argjson h_sync_p50 "$(json_list "${h_sync_p50[@]}")" --argjson h_sync_p99 "$(json_list "${h_sync_p99[@]}")" \
    --argjson h_async_p50 "$(json_list "${h_async_p50[@]}")" --argjson h_async_p99 "$(json_list "${h_async_p99[@]}")" \
    --argjson h_single_batch "$(json_list "${h_single_batch[@]}")" --argjson h_sync_batch "$(json_list "${h_sync_batch[@]}")" \
    --argjson h_async_batch "$(json_list "${h_async_batch[@]}")" \
    --argjson single_pg "$(json_list "${h_single_pg_ms[@]}")" --argjson sync_pg "$(json_list "${h_sync_pg_ms[@]}")" \
    --argjson async_pg "$(json_list "${h_async_pg_ms[@]}")" \
    --argjson put_errors "$put_errors" \
    --argjson fo_what "$(json_strings "${fo_what[@]}")" --argjson fo_old "$(json_strings "${fo_old[@]}")" \
    --argjson fo_new "$(json_strings "${fo_new[@]}")" --argjson fo_first "$(json_list "${fo_first_ms[@]}")" \
    --argjson fo_healthy "$(json_list "${fo_healthy_s[@]}")" --argjson fo_ok "$(json_list "${fo_ok[@]}")" \
    --argjson fo_503 "$(json_list "${fo_503[@]}")" --argjson fo_other "$(json_list "${fo_other[@]}")" \
    --argjson fo_script "$(json_list "${fo_script_ms[@]}")" \
    --argjson writer_rate "$writer_rate" --argjson writer_total "$writer_total" --argjson acked "$acked" \
    --argjson lost "$lost" --argjson skipped "$writer_skipped" \
    'def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def firsts($kind): [range(0; $fo_what | length) | select($fo_what[.] == $kind) | $fo_first[.]];
    {
      mode: $mode, commit: $commit, date: $date, elapsed_seconds: $elapsed,
      machine: {cores: $cores, cpu: $cpu, memory: $memory, disk: $disk,
                load_average_start: $load_start, load_average_end: $load_end,
                dsync_write_8k_ms: {start: $flush_start, end: $flush_end},
                other_work_percent_of_cores: {put: $other_put}},
      postgres: {version: $pg_version, patroni: $patroni_version, ha_start_seconds: $ha_start,
                 replication_switch_seconds: $switch},
      put: {wrk_seconds: $wrk_seconds, connections: 32, wrk_threads: 2,
            per_second_by_round: {single: $single, synchronous: $sync, asynchronous: $async},
            median_per_second: {single: ($single | med), synchronous: ($sync | med), asynchronous: ($async | med)},
            ratios: {synchronous_to_single: (($sync | med) / ($single | med)),
                     asynchronous_to_single: (($async | med) / ($single | med)),
                     synchronous_to_asynchronous: (($sync | med) / ($async | med))},
            p50_ms_by_round: {single: $h_single_p50, synchronous: $h_sync_p50, asynchronous: $h_async_p50},
            p99_ms_by_round: {single: $h_single_p99, synchronous: $h_sync_p99, asynchronous: $h_async_p99},
            median_p99_ms: {single: ($h_single_p99 | med), synchronous: ($h_sync_p99 | med), asynchronous: ($h_async_p99 | med)},
            updates_per_transaction_by_round: {single: $h_single_batch, synchronous: $h_sync_batch, asynchronous: $h_async_batch},
            postgres_cpu_ms_per_update_by_round: {single: $single_pg, synchronous: $sync_pg, asynchronous: $async_pg},
            non_2xx_and_socket_errors: $put_errors},
      failover: {writer_puts_per_second: $writer_rate,
                 runs: [range(0; $fo_what | length) | {killed: $fo_what[.], old_primary: $fo_old[.],
                        new_primary: $fo_new[.], first_acknowledged_ms: $fo_first[.],
                        puts_ok: $fo_ok[.], puts_503: $fo_503[.], puts_other: $fo_other[.],
                        synchronous_standby_again_s: $fo_healthy[.], kill_command_ms: $fo_script[.]}],
                 postgres_killed_ms: {median: (firsts("postgres") | med), max: (firsts("postgres") | max)},
                 node_killed_ms: {median: (firsts("node") | med), max: (firsts("node") | max)},
                 writer: {answered: $writer_total, acknowledged: $acked, lost: $lost, not_sent: $skipped}},
      no_loss: ($lost == 0), no_errors: ($put_errors == 0)
    }' >bench/results/ha-latest.json

echo
echo "$table"
echo
echo "$details"
echo
echo "bench/run: $mode run in $elapsed s; bench/results/ha-latest.md and ha-latest.json written" >&2
