-- wrk script for one benchmarked page (bench/run.py sets the environment).
--   BENCH_COOKIE   "sessionid=...; csrftoken=..." (the logged-in session)
--   BENCH_METHOD   GET (default) or POST
--   BENCH_BODY     form body for POST (urlencoded)
--   BENCH_CSRF     CSRF token for POST (sent as X-CSRFToken)
--   BENCH_PATHS    for POST: a path template with {id}; BENCH_IDS: comma-separated ids to rotate
-- done() prints one JSON line: requests, duration (µs), errors, latency percentiles (µs).

local cookie = os.getenv("BENCH_COOKIE") or ""
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local csrf = os.getenv("BENCH_CSRF") or ""
local template = os.getenv("BENCH_PATHS")
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end

wrk.method = method
wrk.headers["Cookie"] = cookie
wrk.headers["Referer"] = "http://127.0.0.1/"
if method == "POST" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-CSRFToken"] = csrf
end

local counter = 0
local bad = 0

function request()
  if template ~= nil and #ids > 0 then
    counter = counter + 1
    local path = string.gsub(template, "{id}", ids[(counter % #ids) + 1])
    return wrk.format(nil, path)
  end
  return wrk.format(nil)
end

function response(status, headers, body)
  -- A page answers 200; the payment POST redirects (302) to the customer's page.
  if status ~= 200 and status ~= 302 then
    bad = bad + 1
    if bad <= 3 then
      io.stderr:write("unexpected status " .. status .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
