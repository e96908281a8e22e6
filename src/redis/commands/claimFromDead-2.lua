--[[
  Takes over pending entries of a consumer whose liveness key has lapsed, at once (no minimum idle time). Atomic, so
  it never takes an entry from a consumer that is alive, nor one another node has already taken over meanwhile.

  Input:
    KEYS[1] the stream
    KEYS[2] the dead consumer's liveness key

    ARGV[1] the consumer group
    ARGV[2] the dead consumer
    ARGV[3] the consumer taking over
    ARGV[4..] entry ids seen pending on the dead consumer

  Output:
    the entries taken over, as XCLAIM answers (each delivery counted); empty if the consumer is alive
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {}
end
local ids = {}
for i = 4, #ARGV do
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if row and row[2] == ARGV[2] then
    ids[#ids + 1] = ARGV[i]
  end
end
if #ids == 0 then
  return {}
end
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, unpack(ids))
