-- Conversations of one bucket whose reservation's lease ran out (server clock), at most ARGV[1] of them.
-- KEYS[1] the bucket's lease index (see seq_reserve.lua).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
