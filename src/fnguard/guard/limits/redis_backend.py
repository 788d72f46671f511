"""Sliding-window limits shared by every container through Redis.

One round trip per decision: a server-side Lua script trims the key's sorted set to the window,
counts, and admits atomically, using the Redis server's clock so containers never disagree about
time. A short socket timeout bounds the cost; any Redis error fails open and is reported.
"""

from __future__ import annotations

import uuid
from typing import Any

from fnguard.guard.limits import Decision

# KEYS[1] the window's sorted set; ARGV: limit, window in microseconds, a unique member.
SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = window
  if oldest[2] then retry = tonumber(oldest[2]) + window - now end
  return {0, 0, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1)
return {1, limit - count - 1, 0}
"""

# KEYS[1] a counter; ARGV: amount (float), ttl seconds. Returns the new total as a string.
INCR_FLOAT_LUA = """
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return total
"""


class RedisBackend:
    """A connection to one Redis URL with the limiter's scripts registered."""

    def __init__(self, url: str, *, timeout_ms: float = 5.0, prefix: str = "fnguard") -> None:
        import redis  # imported only when a Redis backend is configured

        self.prefix = prefix
        self.client: Any = redis.Redis.from_url(
            url, socket_timeout=timeout_ms / 1000.0, socket_connect_timeout=timeout_ms / 1000.0,
            retry_on_timeout=False, health_check_interval=0,
        )
        self._window = self.client.register_script(SLIDING_WINDOW_LUA)
        self._incr = self.client.register_script(INCR_FLOAT_LUA)
        self._errors = (redis.RedisError, OSError)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def hit(self, key: str, limit: int, window_s: float) -> Decision:
        try:
            allowed, remaining, retry_us = self._window(
                keys=[self.key("rl", key)], args=[limit, int(window_s * 1_000_000), uuid.uuid4().hex])
        except self._errors as exc:
            return Decision(True, -1, 0.0, backend_error=f"{type(exc).__name__}: {exc}")
        return Decision(bool(allowed), int(remaining), max(float(retry_us), 0.0) / 1_000_000)

    def add(self, key: str, amount: float, ttl_s: int) -> float | None:
        """Add to a shared counter (spend, invocations); None when Redis is unreachable."""
        try:
            return float(self._incr(keys=[self.key(key)], args=[repr(float(amount)), ttl_s]))
        except self._errors:
            return None

    def get_flag(self, name: str) -> str | None:
        try:
            value = self.client.get(self.key("flag", name))
        except self._errors:
            return None
        return value.decode() if isinstance(value, bytes) else value

    def set_flag(self, name: str, value: str, ttl_s: int) -> bool:
        try:
            self.client.set(self.key("flag", name), value, ex=ttl_s)
        except self._errors:
            return False
        return True
