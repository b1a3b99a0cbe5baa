-- Users online and live connections at one instant. KEYS[1] the user index, KEYS[2] every connection.
-- ARGV[1] now (us). Returns {users, connections}.
local after = '(' .. ARGV[1]
return {redis.call('ZCOUNT', KEYS[1], after, '+inf'), redis.call('ZCOUNT', KEYS[2], after, '+inf')}
