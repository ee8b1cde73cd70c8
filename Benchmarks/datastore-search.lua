-- wrk script: CKAN datastore_search on the 1,000,000-row housing table: a borough and bedroom filter
-- sorted by price, a full-text search, and pages by offset, varied so few answers repeat.
local boroughs = { "Camden", "Hackney", "Islington", "Lambeth", "Southwark", "Westminster", "Greenwich", "Lewisham",
  "Barnet", "Croydon", "Ealing", "Brent" }
local i = 0
request = function()
  i = i + 1
  local b = boroughs[(i % #boroughs) + 1]
  local kind = i % 3
  local path
  if kind == 0 then
    path = "&filters=%7B%22borough%22%3A%22" .. b .. "%22%2C%22bedrooms%22%3A" .. ((i % 5) + 1) .. "%7D&sort=price%20desc&limit=100"
  elseif kind == 1 then
    path = "&q=" .. b .. "&limit=20"
  else
    path = "&limit=100&offset=" .. ((i * 100) % 10000)
  end
  return wrk.format("GET", "/api/3/action/datastore_search?resource_id=" .. resource .. path)
end
