--[[
  Appends several keyed broadcasts to the stream, each under the next sequence number of its order key, in the
  order given: what enqueueInOrder-2.lua does for one, for the broadcasts of one turn of the event loop (one round
  trip instead of one each). Each order key's counter is moved once for all its entries (INCRBY), not once each.
  The number of keys varies, hence the "n": the caller passes it first.

  Send intents (see src/queue/redis-send-intents.ts) ride along: the call first records the intents of the turn's new
  sends, whose rows are written once the call is issued. An entry may name the intent recorded before its row was
  written: the intent is removed with the append, and an entry whose intent is gone (it lapsed and its row was
  removed, or it was never recorded) is not appended, and takes no sequence number.

  Input:
    KEYS[1]       the broadcast stream
    KEYS[2]       the send intents (a set)
    KEYS[3..c+2]  the sequence counters of the order keys present (each once)

    ARGV[1] approximate cap of the stream (XADD MAXLEN ~)
    ARGV[2] how long a counter is kept after its last use, in ms
    ARGV[3] name of the payload field      ARGV[4] name of the order key field      ARGV[5] name of the sequence field
    ARGV[6] k, the number of intents to record      ARGV[7..6+k] the intents
    then four per entry i (from 0), from b = 7 + k: ARGV[b + 4i] which counter (1..c), ARGV[b + 1 + 4i] the payload
    (msgpack), ARGV[b + 2 + 4i] the order key, ARGV[b + 3 + 4i] its send intent ('' for none)

  Output:
    per entry, in order: its new id, or false if its intent was gone
]]
local recording = tonumber(ARGV[6])
for i = 7, 6 + recording do
  redis.call('SADD', KEYS[2], ARGV[i])
end
local b = 7 + recording
local entries = (#ARGV - b + 1) / 4
local kept = {}
local counts = {}
for i = 0, entries - 1 do
  local intent = ARGV[b + 3 + 4 * i]
  kept[i] = intent == '' or redis.call('SREM', KEYS[2], intent) == 1
  if kept[i] then
    local c = tonumber(ARGV[b + 4 * i])
    counts[c] = (counts[c] or 0) + 1
  end
end
local nextSeq = {}
for c, n in pairs(counts) do
  nextSeq[c] = redis.call('INCRBY', KEYS[c + 2], n) - n
  redis.call('PEXPIRE', KEYS[c + 2], ARGV[2])
end
local ids = {}
for i = 0, entries - 1 do
  if kept[i] then
    local c = tonumber(ARGV[b + 4 * i])
    nextSeq[c] = nextSeq[c] + 1
    ids[i + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
      ARGV[3], ARGV[b + 1 + 4 * i], ARGV[4], ARGV[b + 2 + 4 * i], ARGV[5], nextSeq[c])
  else
    ids[i + 1] = false
  end
end
return ids
