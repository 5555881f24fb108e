"""A sliding-window rate limiter with an injectable clock."""
import time
from collections import deque


class RateLimitExceeded(Exception):
    def __init__(self, retry_after, message=None):
        super().__init__(message or f"rate limit exceeded, retry after {retry_after:.3f}s")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, max_calls, period, clock=time.monotonic):
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        if period <= 0:
            raise ValueError("period must be positive")
        self.max_calls = max_calls
        self.period = period
        self.clock = clock
        self._calls = {}

    def _window(self, key):
        calls = self._calls.setdefault(key, deque())
        now = self.clock()
        while calls and calls[0] + self.period <= now:
            calls.popleft()
        return calls, now

    def allow(self, key="default"):
        calls, now = self._window(key)
        if len(calls) >= self.max_calls:
            return False
        calls.append(now)
        return True

    def remaining(self, key="default"):
        calls, _ = self._window(key)
        return self.max_calls - len(calls)

    def retry_after(self, key="default"):
        calls, now = self._window(key)
        if len(calls) < self.max_calls:
            return 0
        return calls[0] + self.period - now

    def reset(self, key=None):
        if key is None:
            self._calls.clear()
        else:
            self._calls.pop(key, None)


def test_window():
    now = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: now[0])
    assert limiter.allow() and limiter.allow() and not limiter.allow()
    now[0] = 4
    assert limiter.retry_after() == 6
    now[0] = 10
    assert limiter.remaining() == 2
