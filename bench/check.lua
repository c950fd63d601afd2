-- wrk script: POST /api/v1/check with one fixed question.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"chip": "H20", "to": "CN", "on": "2025-09-01"}'

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms  errors %d of %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000, errors, summary.requests))
end
