-- Drops expired connections of up to ARGV[3] users whose latest deadline has passed, and reports the users
-- left without any: they are removed from the index here, so no other sweep or disconnect reports them.
-- KEYS[1] the user index, KEYS[2] every connection. ARGV[1] now (us), ARGV[2] the connections key of a user
-- without the user id (prefix + 'presence:user:'), ARGV[3] batch size.
-- Returns {number of users looked at, {users gone offline...}}.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local offline = {}
for _, user in ipairs(due) do
  local key = ARGV[2] .. user
  for _, c in ipairs(redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[1])) do
    redis.call('ZREM', KEYS[2], user .. '|' .. c)
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #latest == 0 then
    redis.call('ZREM', KEYS[1], user)
    offline[#offline + 1] = user
  else
    -- The index was behind a heartbeat; put the user back under their real deadline.
    redis.call('ZADD', KEYS[1], latest[2], user)
  end
end
return {#due, offline}
