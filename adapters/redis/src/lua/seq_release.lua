-- Ends the live reservation of one conversation without committing it, if ARGV names it.
-- KEYS[1] the conversation's hash, KEYS[2] the bucket's lease index (see seq_reserve.lua).
-- ARGV[1] token, ARGV[2] seq, ARGV[3] the conversation id.
-- Returns 1 when released, 0 when the reservation is not live any more.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'token', 'seq', 'deadline')
if s[1] ~= ARGV[1] or s[2] ~= ARGV[2] or tonumber(s[3]) <= now then
  return 0
end
redis.call('HDEL', KEYS[1], 'token', 'seq', 'deadline')
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
