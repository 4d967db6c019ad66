-- Replays requests signed just before the run by `AckLoad presign` (one a line: path, timestamp, signature,
-- body, tab-separated), so wrk spends nothing on signing and the server under test verifies every one.
-- Each wrk thread takes every Nth line, so no two threads send the same body.
-- Usage: SIGNED=/path/to/signed.txt wrk -t1 -c64 -d10s -s bench/wrk/signed.lua http://127.0.0.1:5080

local threads, counter = {}, 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("SIGNED") or "signed.txt"
  local stride = tonumber(os.getenv("WRK_THREADS") or "1")
  requests, n, next = {}, 0, 1
  local line = 0
  for text in io.lines(file) do
    if line % stride == index then
      local path, ts, sig, body = text:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      n = n + 1
      requests[n] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = ts,
        ["X-Slack-Signature"] = sig,
      }, body)
    end
    line = line + 1
  end
  if n == 0 then error("no signed requests in " .. file) end
end

function request()
  local r = requests[next]
  next = next % n + 1
  return r
end

non200 = 0
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non200") or 0) end
  io.write(string.format('{"mode":"wrk","requests":%d,"seconds":%.2f,"rps":%.1f,"non200":%d,"socket_errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
