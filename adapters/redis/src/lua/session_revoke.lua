-- Revokes one session if it is live at ARGV[1] (unix us); returns 1 if it did, 0 otherwise.
-- KEYS[1] the session hash.
local s = redis.call('HMGET', KEYS[1], 'expires', 'revoked')
if not s[1] or s[2] or tonumber(s[1]) <= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
return 1
