-- GCRA (generic cell rate algorithm) for one key, timed by the server's clock so that instances with
-- skewed clocks agree. The key holds the theoretical arrival time (TAT, unix us) of the next request.
-- KEYS[1] the limiter key.
-- ARGV[1] emission interval (us), ARGV[2] period = burst window (us), ARGV[3] '1' to count the request,
-- '0' to only look.
-- Returns {1, remaining} when allowed, {0, retry_after_us} when refused.
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
  tat = now
end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, allow_at - now}
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
end
return {1, math.floor((now - allow_at) / interval)}
