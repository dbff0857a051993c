# Sourced by make-release-database*.sh (run by hand, not by the test suite): a temporary
# directory, a release's playmark-server serving a database in it on 127.0.0.1, and HTTP calls to
# it. Set `server` (the release's binary) before sourcing; sets `dir` and `db` (the database's path
# in dir, not made yet), and `pid` and `url` once start_server has run.
dir=$(mktemp -d)
pid=
url=
trap 'if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$dir"' EXIT
db=$dir/server.sqlite

start_server() { # serves $db on a free port; stops the script with the server's log if it does not
    "$server" serve --listen 127.0.0.1:0 --db "$db" 2>"$dir/log" &
    pid=$!
    for _ in $(seq 300); do # 30 s, for a loaded machine
        grep -q 'listening on' "$dir/log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    url=$(grep -o 'http://[0-9.:]*' "$dir/log" | head -n 1 || true)
    if [[ -z $url ]]; then
        echo "the server is not listening (after up to 30 s); its log:" >&2
        cat "$dir/log" >&2
        exit 1
    fi
}

stop_server() { # as systemd stops it (SIGTERM); the database it leaves must have no WAL beside it
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
    [[ ! -s "$db-wal" ]] || { echo "the server left a WAL behind" >&2; exit 1; }
}

call() { # METHOD PATH TOKEN [BODY]: prints the answer; fails on a non-2xx one
    curl -sf -X "$1" ${3:+-H "Authorization: Bearer $3"} -H 'Content-Type: application/json' \
        ${4:+--data "$4"} "$url$2"
}
