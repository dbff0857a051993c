#!/usr/bin/env bash
# Makes tests/data/server-release-17b723a.sqlite, the database tst_sqlrecord upgrades: written by
# the released playmark-server (commit 17b723a, schema version 2) through its HTTP API. Run with
# that release's binary:
#   git worktree add /tmp/release 17b723a && cmake -S /tmp/release -B /tmp/release/build -G Ninja \
#       -DBUILD_TESTING=OFF && cmake --build /tmp/release/build --target playmark-server
#   tests/data/make-release-database.sh /tmp/release/build/server/playmark-server
# Observation times are fixed (2024), so the file is the same each time but for tokens.
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$here/server-release-17b723a.sqlite
source "$here/release-server.sh"
token=$("$server" user add alice --db "$db")
start_server
put() { # content_id body
    call PUT "/v1/progress/$1" "$token" "$2" >/dev/null
}
t=1717200000000 # 2024-06-01
# A film in progress, three reports.
for i in 0 1 2; do
    put heat "{\"position_ms\":$((600000 + i * 5000)),\"duration_ms\":10200000,\"device_id\":\"tv\",\"device_name\":\"TV\",\"observed_at_ms\":$((t + i * 5000)),\"state\":\"playing\",\"title\":\"Heat (1995)\"}"
done
# An episode played to its end (the release's `ended`), then the end reported again by the phone.
put expanse-s01e01 "{\"position_ms\":2500000,\"duration_ms\":2760000,\"device_id\":\"tv\",\"device_name\":\"TV\",\"observed_at_ms\":$((t + 100000)),\"state\":\"playing\",\"title\":\"The Expanse S01E01\",\"show_id\":\"the-expanse\",\"episode_id\":\"s01e01\"}"
put expanse-s01e01 "{\"position_ms\":2760000,\"duration_ms\":2760000,\"device_id\":\"tv\",\"device_name\":\"TV\",\"observed_at_ms\":$((t + 360000)),\"state\":\"ended\",\"title\":\"The Expanse S01E01\",\"show_id\":\"the-expanse\",\"episode_id\":\"s01e01\"}"
# The next episode paused, with the release's choices.
put expanse-s01e02 "{\"position_ms\":90000,\"duration_ms\":2700000,\"device_id\":\"phone\",\"device_name\":\"Phone\",\"observed_at_ms\":$((t + 400000)),\"state\":\"paused\",\"title\":\"The Expanse S01E02\",\"show_id\":\"the-expanse\",\"episode_id\":\"s01e02\",\"choices\":{\"audio\":{\"language\":\"en\",\"title\":\"\",\"codec\":\"AAC\"},\"subtitles\":\"off\",\"subtitle_delay_ms\":0,\"speed\":1.0}}"
stop_server
cp "$db" "$out"
echo "wrote $out"
