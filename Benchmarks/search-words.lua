-- The place and topic words the search benchmarks combine into queries (loaded with dofile).
places = { "camden", "hackney", "islington", "lambeth", "southwark", "westminster", "brent", "ealing",
  "barnet", "croydon", "bristol", "leeds", "manchester", "liverpool", "sheffield", "newcastle", "nottingham",
  "leicester", "coventry", "bradford", "cardiff", "glasgow", "edinburgh", "belfast", "brighton", "oxford",
  "cambridge", "york", "bath", "exeter" }
topics = { "air", "bus", "traffic", "parking", "housing", "spending", "schools", "library", "recycling",
  "trees", "crime", "hospital", "energy", "population", "cycle", "planning", "hygiene", "noise", "train",
  "supermarket", "flood", "business", "events", "chargers", "footfall", "accidents", "water", "allotments",
  "parks", "toilets" }

-- The i-th query: a topic, two times in three with a place before it, then one of `filters` in turn.
function query(i, filters)
  local p = places[(i % #places) + 1]
  local t = topics[(math.floor(i / #places) % #topics) + 1]
  local f = filters[(math.floor(i / (#places * #topics)) % #filters) + 1]
  local q = t
  if i % 3 ~= 0 then q = p .. "+" .. t end
  return q .. f
end
