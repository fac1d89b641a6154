-- wrk script: recommendation requests for random customers of the
-- generated retailer's us region. Every other customer shops with a store
-- of their own (one fixed store per customer, as an app remembers it),
-- the others online.
-- Env: CONFIDE_TOKEN (an API key with scope recommend), CONFIDE_CUSTOMERS
-- (customer ids C0000001..N exist), CONFIDE_STORE_IDS (comma-separated),
-- CONFIDE_DELAY_MS (a pause before each request on a connection: with c
-- connections about c / (pause + latency) requests a second; default none).
local token = os.getenv("CONFIDE_TOKEN")
local customers = tonumber(os.getenv("CONFIDE_CUSTOMERS") or "1000")
local stores = {}
for id in string.gmatch(os.getenv("CONFIDE_STORE_IDS") or "", "[^,]+") do stores[#stores + 1] = id end

-- Each of wrk's threads has a Lua state of its own, seeded alike: without
-- a seed per thread, the threads would ask for the same customers in step.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init()
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

local pause = tonumber(os.getenv("CONFIDE_DELAY_MS") or "0")
if pause > 0 then
  delay = function() return pause end
end

request = function()
  local customer = math.random(customers)
  local path = string.format("/v1/us/customers/C%07d/recommendations?k=10", customer)
  if customer % 2 == 0 and #stores > 0 then
    path = path .. "&store_id=" .. stores[1 + math.floor(customer / 2) % #stores]
  end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
