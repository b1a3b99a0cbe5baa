-- Drops up to ARGV[3] families expired at or before ARGV[2] (unix ms); returns how many it dropped.
-- KEYS[1] the expiry index. ARGV[1] key prefix.
return collect_expired(ARGV[1], KEYS[1], ARGV[2], tonumber(ARGV[3]))
