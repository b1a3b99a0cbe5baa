-- Every stored session of a user, as one consistent snapshot: {sid, fields, sid, fields, ...}.
-- KEYS[1] the user's session set. ARGV[1] key prefix.
local out = {}
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HGETALL', ARGV[1] .. 'session:' .. sid)
  if #fields > 0 then
    table.insert(out, sid)
    table.insert(out, fields)
  end
end
return out
