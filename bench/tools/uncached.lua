-- wrk script: every request gets a different URL (…&nocache=N), so no page cache can answer
-- and each request runs the search itself. N is unique across wrk's threads.
local threads = 0
function setup(thread)
  thread:set("base", threads * 1000000000)
  threads = threads + 1
end

local counter = 0
function request()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "nocache=" .. (base + counter))
end
