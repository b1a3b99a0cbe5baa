-- Shared by session_create.lua and session_purge.lua (prepended to both): drops refresh-token families whose
-- expiry (score in the expiry index, unix ms) is at or before `upto_ms`, at most `limit` of them.
-- Token keys carry no TTL of their own (a rotated-away token must be recognised for as long as its family
-- lives, and every refresh extends that life), so this is what eventually removes them.
local function collect_expired(prefix, index_key, upto_ms, limit)
  local dead = redis.call('ZRANGEBYSCORE', index_key, '-inf', upto_ms, 'LIMIT', 0, limit)
  for _, member in ipairs(dead) do
    local sep = string.find(member, '|', 1, true)
    local sid = string.sub(member, 1, sep - 1)
    local uid = string.sub(member, sep + 1)
    local session_key = prefix .. 'session:' .. sid
    local tokens_key = session_key .. ':tokens'
    for _, token in ipairs(redis.call('SMEMBERS', tokens_key)) do
      redis.call('DEL', prefix .. 'session-token:' .. token)
    end
    redis.call('DEL', tokens_key, session_key)
    redis.call('SREM', prefix .. 'user-sessions:' .. uid, sid)
    redis.call('ZREM', index_key, member)
  end
  return #dead
end
