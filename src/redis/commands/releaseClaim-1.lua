--[[
  Gives up an idempotency key after a failed request, so a retry runs afresh; but only while the key is still an
  unanswered claim: an answer stored meanwhile stays.

  Input:
    KEYS[1] the idempotency key

    ARGV[1] the value that marks an unanswered claim

  Output:
    1 if the key was deleted, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
