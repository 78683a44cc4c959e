-- wrk script of the token-fetch scenario: POST /api/connections/{id}/token over random ids.
-- Arguments (after --): connections, connections per tenant, path prefix (/api/connections/ or the bare route's).
-- Connection i is c%06d in tenant t%03d (i / per tenant), API key key-t%03d. Every request is built once, in init.
local requests = {}
local count = 0

function init(args)
  count = tonumber(args[1])
  local per_tenant = tonumber(args[2])
  local prefix = args[3]
  for i = 0, count - 1 do
    local tenant = string.format("t%03d", math.floor(i / per_tenant))
    requests[i + 1] = wrk.format("POST", prefix .. string.format("c%06d/token", i),
      { ["Authorization"] = "Bearer key-" .. tenant, ["Content-Length"] = "0" })
  end
  math.randomseed(os.time())
end

function request()
  return requests[math.random(count)]
end

-- The latency at every 0.1 % up to 99.9 % and every 0.01 % above it, as [percent, µs] pairs: what merges the slices
-- of an interleaved run (token-fetch --slices) into one distribution.
local function quantiles(latency)
  local pairs_ = {}
  local function add(p) pairs_[#pairs_ + 1] = string.format("[%.2f,%d]", p, latency:percentile(p)) end
  for i = 1, 999 do add(i / 10) end
  for i = 1, 10 do add(99.9 + i / 100) end
  return table.concat(pairs_, ",")
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p99":%d,"p999":%d,"max":%d,"q":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, quantiles(latency)))
end
