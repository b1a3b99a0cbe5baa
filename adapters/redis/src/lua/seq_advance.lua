-- Raises the committed head of one conversation to at least ARGV[1] and cancels a reservation at or below it.
-- KEYS[1] the conversation's hash, KEYS[2] the bucket's lease index (see seq_reserve.lua).
-- ARGV[1] the seq known to be stored, ARGV[2] the conversation id.
local n = tonumber(ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'head', 'seq', 'token')
if n > tonumber(s[1] or '0') then
  redis.call('HSET', KEYS[1], 'head', ARGV[1])
end
if s[3] and tonumber(s[2]) <= n then
  redis.call('HDEL', KEYS[1], 'token', 'seq', 'deadline')
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return 1
