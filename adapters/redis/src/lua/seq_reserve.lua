-- Reserves the next seq of one conversation unless a reservation is live; timed by the server's clock.
-- KEYS[1] the conversation's hash: head (last committed seq), and while reserved: seq, token, deadline (unix us).
-- KEYS[2] the bucket's lease index (sorted set: conversation -> deadline), in the same hash slot.
-- ARGV[1] the new reservation's token, ARGV[2] lease (us), ARGV[3] the conversation id (index member).
-- Returns {1, seq} when reserved, {0, us until the live reservation's lease runs out} otherwise.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'head', 'token', 'deadline')
if s[2] and tonumber(s[3]) > now then
  return {0, tonumber(s[3]) - now}
end
local seq = tonumber(s[1] or '0') + 1
local deadline = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'seq', string.format('%d', seq), 'token', ARGV[1],
  'deadline', string.format('%d', deadline))
redis.call('ZADD', KEYS[2], deadline, ARGV[3])
return {1, seq}
