-- wrk script: CKAN package_search with q and four facet fields over many distinct queries (place x
-- topic x filter), as a portal's search page asks it.
dofile("Benchmarks/search-words.lua")
local filters = { "", "&fq=res_format:CSV", "&fq=license_id:OGL-UK-3.0", "&sort=metadata_modified%20desc", "&start=20" }
local facets = "&facet.field=%5B%22organization%22%2C%22tags%22%2C%22res_format%22%2C%22license_id%22%5D"
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/3/action/package_search?rows=20" .. facets .. "&q=" .. query(i, filters))
end
