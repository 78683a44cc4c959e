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

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p99":%d,"p999":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
