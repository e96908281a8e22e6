--[[
  Moves an order key's "done up to" mark forward, never back: broadcasts of the key numbered up to the mark need not
  be waited for any more (see src/queue/redis-order.ts).

  Input:
    KEYS[1] the order key's done mark

    ARGV[1] the sequence number now done
    ARGV[2] how long the mark is kept after it last moved, in ms

  Output:
    1 if the mark moved, 0 if it was already there or beyond
]]
local done = tonumber(redis.call('GET', KEYS[1]) or '0')
if done < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
