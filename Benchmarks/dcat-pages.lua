-- wrk script: pages of the DCAT-AP catalogue (100 datasets each) in Turtle, spread over the catalogue.
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/catalog.ttl?page=" .. ((i * 37) % pages + 1))
end
