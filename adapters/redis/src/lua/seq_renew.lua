-- Extends the live reservation's lease if ARGV names it (its holder is slow, not dead).
-- KEYS[1] the conversation's hash, KEYS[2] the bucket's lease index (see seq_reserve.lua).
-- ARGV[1] token, ARGV[2] seq, ARGV[3] lease (us), ARGV[4] the conversation id.
-- Returns 1 when renewed, 0 when the reservation is not live any more.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'token', 'seq', 'deadline')
if s[1] ~= ARGV[1] or s[2] ~= ARGV[2] or tonumber(s[3]) <= now then
  return 0
end
local deadline = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'deadline', string.format('%d', deadline))
redis.call('ZADD', KEYS[2], deadline, ARGV[4])
return 1
