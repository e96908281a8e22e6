--[[
  Appends several keyed broadcasts to the stream, each under the next sequence number of its order key, in the
  order given: what enqueueInOrder-2.lua does for one, for the broadcasts of one turn of the event loop (one round
  trip instead of one each). Each order key's counter is moved once for all its entries (INCRBY), not once each.
  The number of keys varies, hence the "n": the caller passes it first.

  Input:
    KEYS[1]       the broadcast stream
    KEYS[2..c+1]  the sequence counters of the order keys present (each once)

    ARGV[1] approximate cap of the stream (XADD MAXLEN ~)
    ARGV[2] how long a counter is kept after its last use, in ms
    ARGV[3] name of the payload field      ARGV[4] name of the order key field      ARGV[5] name of the sequence field
    then three per entry i (from 0): ARGV[6 + 3i] which counter (1..c), ARGV[7 + 3i] the payload (msgpack),
    ARGV[8 + 3i] the order key

  Output:
    the new entries' ids, in order
]]
local entries = (#ARGV - 5) / 3
local counts = {}
for i = 0, entries - 1 do
  local c = tonumber(ARGV[6 + 3 * i])
  counts[c] = (counts[c] or 0) + 1
end
local nextSeq = {}
for c, n in pairs(counts) do
  nextSeq[c] = redis.call('INCRBY', KEYS[c + 1], n) - n
  redis.call('PEXPIRE', KEYS[c + 1], ARGV[2])
end
local ids = {}
for i = 0, entries - 1 do
  local c = tonumber(ARGV[6 + 3 * i])
  nextSeq[c] = nextSeq[c] + 1
  ids[i + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
    ARGV[3], ARGV[7 + 3 * i], ARGV[4], ARGV[8 + 3 * i], ARGV[5], nextSeq[c])
end
return ids
