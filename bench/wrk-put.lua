-- wrk script for bench/run: PUT /v1/progress/{id} with a valid record, as fast as the server
-- answers. Each wrk thread has its own 10,000 content ids and cycles through them; every pass
-- over them is one millisecond later in observed_at_ms, so every update is newer than the one
-- it replaces and is applied (and written to history), never a replay. Four device ids take
-- turns, each with its own token when PLAYMARK_WRK_TOKENS names a file of four (a token a line:
-- a token is one device, and devices sharing one rebind it on every change of device_id, which
-- is not what real devices cost); otherwise all with PLAYMARK_TOKEN. PLAYMARK_WRK_FIRST_THREAD
-- (default 0) numbers this wrk's threads from there, so that several wrk processes run side by
-- side (bench/run --postgres: one per server) write ids of their own.
--
--   PLAYMARK_TOKEN=... wrk -t2 -c32 -d15s --latency -s bench/wrk-put.lua http://127.0.0.1:PORT

local ids_per_thread = 10000
local devices = 4
local threads = 0

function setup(thread)
    thread:set("thread_number", threads)
    threads = threads + 1
end

local counter = 0
local start_ms = 0
local headers = {}
local number = 0
local authorizations = {}

function init(args)
    number = (thread_number or 0) + (tonumber(os.getenv("PLAYMARK_WRK_FIRST_THREAD") or "0") or 0)
    -- Whole seconds: up to one second in the past, which the server accepts; passes add 1 ms
    -- each, a few dozen in a run, far from the 60 s the server allows ahead of its clock.
    start_ms = os.time() * 1000
    headers["Content-Type"] = "application/json"
    for device = 0, devices - 1 do
        authorizations[device] = "Bearer " .. (os.getenv("PLAYMARK_TOKEN") or "")
    end
    local path = os.getenv("PLAYMARK_WRK_TOKENS") or ""
    if path ~= "" then
        local file = assert(io.open(path, "r"))
        local device = 0
        for line in file:lines() do
            if line ~= "" and device < devices then
                authorizations[device] = "Bearer " .. line
                device = device + 1
            end
        end
        file:close()
        assert(device == devices, path .. " has fewer than " .. devices .. " tokens")
    end
end

function request()
    local n = counter
    counter = counter + 1
    local video = n % ids_per_thread
    local pass = math.floor(n / ids_per_thread)
    local device = n % devices
    headers["Authorization"] = authorizations[device]
    local body = string.format(
        '{"position_ms":%d,"duration_ms":3600000,"device_id":"wrk-device-%d",' ..
        '"device_name":"wrk device %d","observed_at_ms":%d,"state":"playing"}',
        (pass * 5000) % 3600000, device, device, start_ms + pass)
    -- 36 characters, as long as a real fingerprint id ("pm1-" and 32 hex digits).
    local path = string.format("/v1/progress/pm1-%02d%030d", number, video)
    return wrk.format("PUT", path, headers, body)
end
