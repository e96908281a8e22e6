--[[
  Appends a keyed broadcast to the stream under the next sequence number of its order key, in one step, so that
  stream order and numbering agree (see src/queue/redis-order.ts).

  Input:
    KEYS[1] the broadcast stream
    KEYS[2] the order key's sequence counter

    ARGV[1] approximate cap of the stream (XADD MAXLEN ~)
    ARGV[2] how long the counter is kept after its last use, in ms
    ARGV[3] name of the payload field      ARGV[4] the payload (msgpack)
    ARGV[5] name of the order key field    ARGV[6] the order key
    ARGV[7] name of the sequence number field

  Output:
    the new entry's id
]]
local seq = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], seq)
