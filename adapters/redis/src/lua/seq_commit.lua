-- Commits the live reservation of one conversation if ARGV names it: head becomes its seq.
-- KEYS[1] the conversation's hash, KEYS[2] the bucket's lease index (see seq_reserve.lua).
-- ARGV[1] token, ARGV[2] seq, ARGV[3] the conversation id.
-- Returns 1 when committed, 0 when the reservation is not live any more (expired, ended or replaced).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'token', 'seq', 'deadline', 'head')
if s[1] ~= ARGV[1] or s[2] ~= ARGV[2] or tonumber(s[3]) <= now then
  return 0
end
if tonumber(s[2]) > tonumber(s[4] or '0') then
  redis.call('HSET', KEYS[1], 'head', s[2])
end
redis.call('HDEL', KEYS[1], 'token', 'seq', 'deadline')
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
