-- Revokes every session of a user that is live at ARGV[3] (unix us), except ARGV[2] (a session id or '').
-- KEYS[1] the user's session set. ARGV[1] key prefix. Returns the number revoked.
local now = tonumber(ARGV[3])
local count = 0
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if sid ~= ARGV[2] then
    local session_key = ARGV[1] .. 'session:' .. sid
    local s = redis.call('HMGET', session_key, 'expires', 'revoked')
    if s[1] and not s[2] and tonumber(s[1]) > now then
      redis.call('HSET', session_key, 'revoked', ARGV[3])
      count = count + 1
    end
  end
end
return count
