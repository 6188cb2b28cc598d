-- wrk script for bench/feed.py: each request carries the next reader's access token.
--
--   wrk -t1 -c50 -d20s --timeout 10s -s bench/feed_reads.lua URL -- TOKENS_FILE
--
-- WRK_THINK_MS > 0 gives every connection a think time between its requests (exponentially
-- distributed with that mean): readers who refresh at a human pace instead of as fast as the
-- server answers. done() prints one line of JSON that bench/feed.py parses.

local tokens = {}
local next_token = 0
local think_ms = tonumber(os.getenv("WRK_THINK_MS") or "0")

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      tokens[#tokens + 1] = line
    end
  end
  math.randomseed(os.time() + #tokens)
  next_token = math.random(#tokens)
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("GET", nil, { Authorization = "Bearer " .. tokens[next_token] })
end

if think_ms > 0 then
  function delay()
    return math.floor(-math.log(1 - math.random()) * think_ms)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "stdev": %.1f, '
      .. '"p50": %d, "p90": %d, "p99": %d, "p99_9": %d, "max": %d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max
  ))
end
