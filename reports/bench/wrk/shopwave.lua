-- wrk driver for `manage.py bench_http` (reports/bench/http.py).
--
--   SHOPWAVE_BENCH_DATA=<data.lua> wrk -t C -c C -d 10s -s shopwave.lua URL -- <run> <max requests per thread>
--
-- The data file (written per run by http.py) returns:
--   { shoppers = { {cookie = "...", csrf = "...", variants = {12, 40}}, ... },
--     runs = { product = { {"GET", "/p/slug/"}, ... }, ["cart-add"] = { {"POST", "/cart/add/"} }, mixed = ... } }
-- wrk is started with as many threads as connections, so each thread drives exactly one
-- connection: one logged-in shopper with its own cookies and CSRF token.
-- A POST entry adds one of the shopper's own variants to its cart (quantity 1).

local data = dofile(os.getenv("SHOPWAVE_BENCH_DATA"))

-- The mixed run times each request at the client, so that its latency per page type
-- includes every wait (for a worker's thread, in the server's queues), as a shopper sees
-- it: wrk itself keeps one histogram for the whole run. LuaJIT reads the monotonic clock.
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } shopwave_timespec;
int clock_gettime(int clock_id, shopwave_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock = ffi.new("shopwave_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_id", thread_count)
   table.insert(threads, thread)
end

local requests_ = {}
local position = 0

function init(args)
   local run = data.runs[args[1]]
   limit = tonumber(args[2])
   received, s1, s2, s3, s4, s5 = 0, 0, 0, 0, 0, 0
   -- "entry:microseconds" per response of the mixed run (entry: 1-based, in runs.mixed).
   timing = args[1] == "mixed"
   timed, sent_entry, sent_us = {}, 0, 0
   local shopper = data.shoppers[((thread_id - 1) % #data.shoppers) + 1]
   local base = { ["Cookie"] = shopper.cookie, ["Accept"] = "text/html", ["User-Agent"] = "shopwave-bench_http" }
   local post = {
      ["Cookie"] = shopper.cookie,
      ["Accept"] = "text/html",
      ["User-Agent"] = "shopwave-bench_http",
      ["X-CSRFToken"] = shopper.csrf,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }
   -- Build every request string once; request() only cycles through them.
   for i, entry in ipairs(run) do
      if entry[1] == "POST" then
         local variant = shopper.variants[((i - 1) % #shopper.variants) + 1]
         requests_[i] = wrk.format("POST", entry[2], post, "variant=" .. variant .. "&quantity=1")
      else
         requests_[i] = wrk.format("GET", entry[2], base)
      end
   end
   -- Threads start at different places in the list, so they do not move in lockstep.
   position = ((thread_id - 1) * 7919) % #requests_
end

function request()
   position = position % #requests_ + 1
   if timing then
      sent_entry, sent_us = position, now_us()
   end
   return requests_[position]
end

function response(status, headers, body)
   received = received + 1
   if timing then
      timed[#timed + 1] = string.format("%d:%d", sent_entry, now_us() - sent_us)
   end
   local class = math.floor(status / 100)
   if class == 2 then
      s2 = s2 + 1
   elseif class == 3 then
      s3 = s3 + 1
   elseif class == 4 then
      s4 = s4 + 1
   elseif class == 5 then
      s5 = s5 + 1
   else
      s1 = s1 + 1
   end
   -- The run is bounded by request count as well as by wrk's -d duration.
   if received >= limit then
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local counts = { received = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, capped = 0 }
   for _, thread in ipairs(threads) do
      for name, _ in pairs(counts) do
         if name ~= "capped" then
            counts[name] = counts[name] + (thread:get(name) or 0)
         end
      end
      if (thread:get("received") or 0) >= (thread:get("limit") or math.huge) then
         counts.capped = counts.capped + 1
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'SHOPWAVE_BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, '
         .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "received": %d, "status_1xx": %d, "status_2xx": %d, '
         .. '"status_3xx": %d, "status_4xx": %d, "status_5xx": %d, "connect_errors": %d, "read_errors": %d, '
         .. '"write_errors": %d, "timeouts": %d, "capped_threads": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
      counts.received, counts.s1, counts.s2, counts.s3, counts.s4, counts.s5,
      errors.connect, errors.read, errors.write, errors.timeout, counts.capped
   ))
   local all = {}
   for _, thread in ipairs(threads) do
      for _, value in ipairs(thread:get("timed") or {}) do
         all[#all + 1] = value
      end
   end
   if #all > 0 then
      io.write("SHOPWAVE_TIMED " .. table.concat(all, ",") .. "\n")
   end
end
