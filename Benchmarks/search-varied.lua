-- wrk script: full-text dataset search with facets over thousands of distinct queries (place x topic
-- x filter), more than the facet cache holds, so most requests are computed afresh.
dofile("Benchmarks/search-words.lua")
local filters = { "", "&open=true", "&format=CSV", "&licence=OGL-UK-3.0", "&sort=modified", "&theme=TRAN", "&page=2" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/datasets?q=" .. query(i, filters))
end
