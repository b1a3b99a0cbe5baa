-- Extends a live connection. KEYS as in presence_connect.lua.
-- ARGV[1] user, ARGV[2] conn, ARGV[3] now (us), ARGV[4] new deadline (us).
-- Returns 1 when extended, 0 when the connection is unknown or already expired (it is not revived).
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1] .. '|' .. ARGV[2])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], latest[2], ARGV[1])
return 1
