-- wrk script of scripts/bench-throughput.sh: POSTs an MCP tools/call.
--   DISTINCT=1   every call has different arguments (a new repository name), so no decision is reused
--   API_KEY=...  sent as a bearer token (the proxy rows)
--   CHECK=1      counts answers that are not a JSON-RPC result (a denial is fast and would flatter the row)
-- done() prints one line the script reads: "RESULT <req/s> <p50 µs> <p99 µs> <socket errors> <non-2xx> <not a result>".
local distinct = os.getenv("DISTINCT") == "1"
local check = os.getenv("CHECK") == "1"
local key = os.getenv("API_KEY") or ""

local threads = {}
local counter = 0
bad = 0 -- a global: done() reads it from each thread

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local headers = {
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json, text/event-stream",
  ["MCP-Protocol-Version"] = "2025-11-25",
}
if key ~= "" then
  headers["Authorization"] = "Bearer " .. key
end

local fixed

-- The request is formatted here, not at load: wrk sets the Host header only after loading the script.
function init(_)
  fixed = wrk.format("POST", "/mcp", headers,
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_repository",'
      .. '"arguments":{"workspace":"acme","repo":"api"}}}')
end

function request()
  if not distinct then
    return fixed
  end
  counter = counter + 1
  return wrk.format("POST", "/mcp", headers, string.format(
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_repository",'
      .. '"arguments":{"workspace":"acme","repo":"api-%d-%d"}}}', tid, counter))
end

if check then
  function response(status, _, body)
    if status ~= 200 or not string.find(body, '"result"', 1, true) then
      bad = bad + 1
    end
  end
end

function done(summary, latency, _)
  local not_result = 0
  for _, thread in ipairs(threads) do
    not_result = not_result + (thread:get("bad") or 0)
  end
  local errors = summary.errors
  io.write(string.format("RESULT %.0f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status, not_result))
end
