#!/usr/bin/env bash
# Makes tests/data/server-release-725f11c.sqlite, the database tst_sqlrecord upgrades to schema 6
# and on: written by the server of commit 725f11c (schema version 5: devices, pairing, the newest
# 64 history entries of a video) through its HTTP API and its `user` commands. Run with that
# commit's binary:
#   git worktree add --detach /tmp/release 725f11c && cmake -S /tmp/release -B /tmp/release/build \
#       -G Ninja -DBUILD_TESTING=OFF && cmake --build /tmp/release/build --target playmark-server
#   tests/data/make-release-database-725f11c.sh /tmp/release/build/server/playmark-server
# Observation times are fixed (2024), so the records and history are the same each time; tokens,
# device keys, pairing secrets and the server's own times are not (the test reads them from the
# file, and the tokens from server-release-725f11c.tokens, written beside it).
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
out=$here/server-release-725f11c.sqlite
tokens_out=$here/server-release-725f11c.tokens
source "$here/release-server.sh"
tv=$("$server" user add alice --db "$db")
laptop=$("$server" user token alice --db "$db")
bob=$("$server" user add bob --db "$db")
start_server
put() { # TOKEN CONTENT_ID BODY
    call PUT "/v1/progress/$2" "$1" "$3" >/dev/null
}
record() { # DEVICE_ID DEVICE_NAME POSITION OBSERVED STATE TITLE [MORE]
    printf '{"position_ms":%d,"duration_ms":7200000,"device_id":"%s","device_name":"%s","observed_at_ms":%d,"state":"%s","title":"%s"%s}' \
        "$3" "$1" "$2" "$4" "$5" "$6" "${7:-}"
}
t=1717200000000 # 2024-06-01 00:00 UTC, on a minute

# The phone pairs: a code, approved by the TV's token, collected with the secret.
pairing=$(call POST /v1/pairings "" '{"device_id":"phone","device_name":"Phone"}')
code=$(sed -n 's/.*"code":"\([0-9]*\)".*/\1/p' <<<"$pairing")
secret=$(sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' <<<"$pairing")
call POST /v1/pairings/approve "$tv" "{\"code\":\"$code\"}" >/dev/null
phone=$(call GET "/v1/pairings/$secret" "" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[[ -n $phone ]] || { echo "the phone got no token" >&2; exit 1; }

# A film watched for 15 minutes on the TV (reports every 5 s: 180 of them, the release kept the
# newest 64, from 9:40), paused at 10:10, a seek forward at 10:30, carried on by the phone from
# 13:20.
position=0
state=playing
for i in $(seq 0 179); do
    observed=$((t + i * 5000))
    [[ $i -gt 0 && $state == playing ]] && position=$((position + 5000))
    state=playing
    device=tv name=TV token=$tv
    [[ $i -eq 122 ]] && state=paused
    [[ $i -eq 126 ]] && position=$((position + 600000))
    [[ $i -ge 160 ]] && device=phone name=Phone token=$phone
    put "$token" heat "$(record "$device" "$name" "$position" "$observed" "$state" 'Heat (1995)')"
done
# An episode played to its end on the laptop, with choices.
put "$laptop" expanse-s01e01 "$(record laptop Laptop 2500000 $((t + 2000000)) playing 'The Expanse S01E01' ',"show_id":"the-expanse","episode_id":"s01e01"')"
put "$laptop" expanse-s01e01 "$(record laptop Laptop 2760000 $((t + 2260000)) ended 'The Expanse S01E01' ',"show_id":"the-expanse","episode_id":"s01e01","watched":true,"finished_at_ms":'$((t + 2260000))',"choices":{"audio":{"language":"en","title":"","codec":"AAC"},"subtitles":"off","subtitle_delay_ms":0,"speed":1.0}')"
# A video forgotten: its forget stays (90 days).
put "$tv" trailer "$(record tv TV 30000 $((t + 2300000)) paused 'A trailer')"
call DELETE "/v1/progress/trailer?observed_at_ms=$((t + 2310000))" "$tv" >/dev/null
# Bob's own record.
put "$bob" heat "$(record bobs-tv 'Bob TV' 1000000 $((t + 2400000)) stopped 'Heat (1995)')"

# The laptop is removed (its token stops working; a revocation row); a code nobody approves, one
# approved but not collected yet; a wrong code tried (pairing failure rows).
laptop_key=$("$server" user devices alice --db "$db" | awk '/Laptop/ {print $1; exit}')
[[ -n $laptop_key ]] || { echo "no laptop device" >&2; "$server" user devices alice --db "$db" >&2; exit 1; }
"$server" user remove-device alice "$laptop_key" --db "$db" >/dev/null
call POST /v1/pairings "" '{"device_id":"tablet","device_name":"Tablet"}' >/dev/null
pairing=$(call POST /v1/pairings "" '{"device_id":"kitchen","device_name":"Kitchen"}')
code=$(sed -n 's/.*"code":"\([0-9]*\)".*/\1/p' <<<"$pairing")
call POST /v1/pairings/approve "$tv" "{\"code\":\"$code\"}" >/dev/null
curl -s -o /dev/null -X POST -H "Authorization: Bearer $tv" --data '{"code":"000000"}' \
    "$url/v1/pairings/approve"

stop_server
cp "$db" "$out"
printf 'tv %s\nphone %s\nlaptop %s\nbob %s\n' "$tv" "$phone" "$laptop" "$bob" >"$tokens_out"
echo "wrote $out and $tokens_out"
