--[[
  Appends several keyed broadcasts to the stream, each under the next sequence number of its order key, in the
  order given: what enqueueInOrder-2.lua does for one, for the broadcasts of one turn of the event loop (one round
  trip instead of one each). The number of keys varies, hence the "n": the caller passes it first.

  Input:
    KEYS[1]       the broadcast stream
    KEYS[2..m+1]  entry i's order key's sequence counter (a key appears once per entry of that order key)

    ARGV[1] approximate cap of the stream (XADD MAXLEN ~)
    ARGV[2] how long a counter is kept after its last use, in ms
    ARGV[3] name of the payload field      ARGV[4] name of the order key field      ARGV[5] name of the sequence field
    ARGV[4 + 2i] entry i's payload (msgpack)      ARGV[5 + 2i] entry i's order key

  Output:
    the new entries' ids, in order
]]
local ids = {}
for i = 1, #KEYS - 1 do
  local counter = KEYS[i + 1]
  local seq = redis.call('INCR', counter)
  redis.call('PEXPIRE', counter, ARGV[2])
  ids[i] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
    ARGV[3], ARGV[4 + 2 * i], ARGV[4], ARGV[5 + 2 * i], ARGV[5], seq)
end
return ids
