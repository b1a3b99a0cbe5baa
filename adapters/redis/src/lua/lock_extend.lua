-- Extends a lock only for its holder. KEYS[1] the lock key; ARGV[1] the token, ARGV[2] the lease in ms.
-- Returns 1 when extended, 0 when the caller no longer holds the lock.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
