-- wrk script: full-text dataset search with facets over 360 popular queries (45 phrases x 8 filters),
-- as a portal's visitors repeat them; the facet cache holds most of them between writes.
local words = {
  "air quality", "bus", "traffic", "parking", "house prices", "spending", "schools", "library",
  "recycling", "trees", "crime", "hospital", "energy", "population", "cycle", "planning", "hygiene",
  "noise", "train", "supermarket", "flood", "business rates", "events", "chargers", "footfall",
  "accidents", "water", "allotments", "parks", "toilets", "camden", "leeds", "bristol", "york",
  "camden parking", "leeds schools", "bristol air", "annual crime", "live traffic", "historic flood",
  "monthly spending", "daily energy", "summary population", "detailed planning", "quarterly noise",
}
local filters = { "", "", "", "&open=true", "&theme=TRAN", "&format=CSV", "&licence=OGL-UK-3.0", "&sort=modified" }
local i = 0
request = function()
  i = i + 1
  local q = words[(i % #words) + 1]
  local f = filters[(math.floor(i / #words) % #filters) + 1]
  return wrk.format("GET", "/api/v1/datasets?q=" .. q:gsub(" ", "+") .. f)
end
