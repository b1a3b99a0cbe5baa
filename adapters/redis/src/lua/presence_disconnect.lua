-- Removes a connection. KEYS as in presence_connect.lua. ARGV[1] user, ARGV[2] conn, ARGV[3] now (us).
-- Returns 1 when the user went offline (this call removed them from the user index), 0 otherwise.
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1] .. '|' .. ARGV[2])
if removed == 0 then
  return 0
end
if redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[3], '+inf') > 0 then
  local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('ZADD', KEYS[2], latest[2], ARGV[1])
  return 0
end
for _, c in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('ZREM', KEYS[3], ARGV[1] .. '|' .. c)
end
redis.call('DEL', KEYS[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
