-- wrk script: POST /api/v1/check with a different question each time:
-- 12 chips x 10 destinations x every day from 2023-01-01 on (about 170k
-- questions in ~10k chip x destination x breakpoint-interval keys), more than
-- the 4,096 answers the service keeps, so many requests are decided anew
-- rather than answered from the kept answers.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local chips = {"H20", "H100", "H200", "A100", "A800", "H800", "B200", "L40S", "MI300X", "intel-gaudi-3-hl-325l-oam", "RTX 4090", "Ascend 910B"}
local dests = {"CN", "SG", "AE", "IN", "MY", "DE", "RU", "HK", "SA", "VN"}
local t0 = os.time({year = 2023, month = 1, day = 1, hour = 12})

math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  local chip = chips[math.random(#chips)]
  local to = dests[math.random(#dests)]
  local on = os.date("!%Y-%m-%d", t0 + 86400 * math.random(0, 1428))
  local body = string.format('{"chip": "%s", "to": "%s", "on": "%s"}', chip, to, on)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  errors %d of %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000, errors, summary.requests))
end
