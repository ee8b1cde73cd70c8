-- wrk script: full-text dataset search with facets over thousands of distinct queries (place x topic
-- x filter), more than the facet cache holds, so most requests are computed afresh.
local places = { "camden", "hackney", "islington", "lambeth", "southwark", "westminster", "brent", "ealing",
  "barnet", "croydon", "bristol", "leeds", "manchester", "liverpool", "sheffield", "newcastle", "nottingham",
  "leicester", "coventry", "bradford", "cardiff", "glasgow", "edinburgh", "belfast", "brighton", "oxford",
  "cambridge", "york", "bath", "exeter" }
local topics = { "air", "bus", "traffic", "parking", "housing", "spending", "schools", "library", "recycling",
  "trees", "crime", "hospital", "energy", "population", "cycle", "planning", "hygiene", "noise", "train",
  "supermarket", "flood", "business", "events", "chargers", "footfall", "accidents", "water", "allotments",
  "parks", "toilets" }
local filters = { "", "&open=true", "&format=CSV", "&licence=OGL-UK-3.0", "&sort=modified", "&theme=TRAN", "&page=2" }
local i = 0
request = function()
  i = i + 1
  local p = places[(i % #places) + 1]
  local t = topics[(math.floor(i / #places) % #topics) + 1]
  local f = filters[(math.floor(i / (#places * #topics)) % #filters) + 1]
  local q = t
  if i % 3 ~= 0 then q = p .. "+" .. t end
  return wrk.format("GET", "/api/v1/datasets?q=" .. q .. f)
end
