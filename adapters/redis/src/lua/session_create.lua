-- Stores a new session and its first refresh token, then collects a few expired families.
-- KEYS[1] session hash, KEYS[2] its token set, KEYS[3] the token's key, KEYS[4] the user's session set,
-- KEYS[5] the expiry index.
-- ARGV[1] key prefix, ARGV[2] session id, ARGV[3] token hash (hex), ARGV[4] expiry (unix ms),
-- ARGV[5] expiry index member ("sid|uid"), ARGV[6..] the hash's field/value pairs.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
local t = redis.call('TIME')
local now_ms = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
collect_expired(ARGV[1], KEYS[5], now_ms, 8)
return 1
