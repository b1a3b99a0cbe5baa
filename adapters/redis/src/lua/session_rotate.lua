-- Swaps the presented refresh token for the next one, atomically; see domain::session::Rotation.
-- KEYS[1] the presented token's key, KEYS[2] the next token's key.
-- ARGV[1] key prefix, ARGV[2] presented hash (hex), ARGV[3] next hash (hex), ARGV[4] now (unix us),
-- ARGV[5] new expiry (unix us), ARGV[6] new expiry (unix ms).
-- Returns {'unknown'} | {'expired'} | {'revoked'} | {'reused', sid, fields} | {'rotated', sid, fields}.
local sid = redis.call('GET', KEYS[1])
if not sid then
  return {'unknown'}
end
local session_key = ARGV[1] .. 'session:' .. sid
local s = redis.call('HMGET', session_key, 'token', 'revoked', 'expires', 'gen', 'user')
local current, revoked, expires, gen, user = s[1], s[2], s[3], s[4], s[5]
if not current then
  -- The token is known but its session is gone: it expired and Redis dropped it.
  return {'expired'}
end
if revoked then
  return {'revoked'}
end
if tonumber(expires) <= tonumber(ARGV[4]) then
  return {'expired'}
end
if current ~= ARGV[2] then
  redis.call('HSET', session_key, 'revoked', ARGV[4])
  return {'reused', sid, redis.call('HGETALL', session_key)}
end
redis.call('HSET', session_key, 'token', ARGV[3], 'used', ARGV[4], 'expires', ARGV[5],
  'gen', string.format('%d', tonumber(gen) + 1))
redis.call('PEXPIREAT', session_key, ARGV[6])
redis.call('SADD', session_key .. ':tokens', ARGV[3])
redis.call('SET', KEYS[2], sid)
redis.call('ZADD', ARGV[1] .. 'session-expiry', ARGV[6], sid .. '|' .. user)
return {'rotated', sid, redis.call('HGETALL', session_key)}
