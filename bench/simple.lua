-- wrk script: GET /simple/<random project>/ per request.
-- Arguments (after `--`): NAMES_FILE [AUTHORIZATION_HEADER_VALUE]
-- `done` prints one machine-readable line: BENCH_RESULT {json}.

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   names = {}
   local handle = assert(io.open(args[1], "r"))
   for line in handle:lines() do
      if #line > 0 then names[#names + 1] = "/simple/" .. line .. "/" end
   end
   handle:close()
   assert(#names > 0, "no project names in " .. args[1])
   headers = {}
   if args[2] ~= nil and #args[2] > 0 then headers["Authorization"] = args[2] end
   math.randomseed(os.time() * 1000 + (thread_id or 0))
   count = #names
end

function request()
   return wrk.format("GET", names[math.random(count)], headers)
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, ' ..
      '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      e.connect, e.read, e.write, e.status, e.timeout))
end
