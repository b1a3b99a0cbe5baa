-- Registers a connection; see presence.rs for the layout.
-- KEYS[1] the user's connections (zset conn -> deadline us), KEYS[2] the user index (zset user -> latest
-- deadline), KEYS[3] every connection (zset "user|conn" -> deadline).
-- ARGV[1] user, ARGV[2] conn, ARGV[3] now (us), ARGV[4] deadline (us).
-- Returns 1 when the user had no live connection (came online), 0 otherwise.
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
for _, c in ipairs(expired) do
  redis.call('ZREM', KEYS[3], ARGV[1] .. '|' .. c)
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
end
local live = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1] .. '|' .. ARGV[2])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], latest[2], ARGV[1])
if live == 0 then
  return 1
end
return 0
