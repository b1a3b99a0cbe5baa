-- Takes a lease-based lock and hands out its fencing token.
-- KEYS[1] the lock key, KEYS[2] the fencing counter of the lock's scope.
-- ARGV[1] the holder's unique token, ARGV[2] the lease in ms.
-- Returns the fencing token (> 0) when acquired, 0 when the key is held.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
