-- The place and topic words the search benchmarks combine into queries (loaded with dofile).
places = { "camden", "hackney", "islington", "lambeth", "southwark", "westminster", "brent", "ealing",
  "barnet", "croydon", "bristol", "leeds", "manchester", "liverpool", "sheffield", "newcastle", "nottingham",
  "leicester", "coventry", "bradford", "cardiff", "glasgow", "edinburgh", "belfast", "brighton", "oxford",
  "cambridge", "york", "bath", "exeter" }
topics = { "air", "bus", "traffic", "parking", "housing", "spending", "schools", "library", "recycling",
  "trees", "crime", "hospital", "energy", "population", "cycle", "planning", "hygiene", "noise", "train",
  "supermarket", "flood", "business", "events", "chargers", "footfall", "accidents", "water", "allotments",
  "parks", "toilets" }
