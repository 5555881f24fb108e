import pytest

from ratelimit.decorators import rate_limited
from ratelimit.limiter import RateLimiter, RateLimitExceeded


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_invalid_arguments():
    with pytest.raises(ValueError):
        RateLimiter(0, 10)
    with pytest.raises(ValueError):
        RateLimiter(3, 0)


def test_sliding_window():
    clock = FakeClock()
    limiter = RateLimiter(3, 10, clock=clock)
    assert limiter.remaining() == 3
    for t in (0, 1, 2):
        clock.now = t
        assert limiter.allow() is True
    clock.now = 5
    assert limiter.allow() is False
    assert limiter.remaining() == 0
    clock.now = 10
    assert limiter.allow() is True
    clock.now = 10.5
    assert limiter.allow() is False
    assert limiter.retry_after() == pytest.approx(0.5)
    clock.now = 11
    assert limiter.remaining() == 1
    assert limiter.retry_after() == 0


def test_rejected_calls_are_not_recorded():
    clock = FakeClock()
    limiter = RateLimiter(1, 10, clock=clock)
    assert limiter.allow()
    clock.now = 9
    assert not limiter.allow()
    clock.now = 10
    assert limiter.allow()


def test_keys_are_independent_and_reset():
    clock = FakeClock()
    limiter = RateLimiter(1, 60, clock=clock)
    assert limiter.allow("alice")
    assert not limiter.allow("alice")
    assert limiter.allow("bob")
    limiter.reset("alice")
    assert limiter.allow("alice")
    assert not limiter.allow("bob")
    limiter.reset()
    assert limiter.allow("bob")


def test_decorator_limits_calls():
    clock = FakeClock()
    limiter = RateLimiter(2, 10, clock=clock)
    calls = []

    @rate_limited(limiter)
    def ping(value):
        """Return the value."""
        calls.append(value)
        return value * 2

    assert ping(1) == 2
    assert ping(2) == 4
    clock.now = 4
    with pytest.raises(RateLimitExceeded) as info:
        ping(3)
    assert info.value.retry_after == pytest.approx(6)
    assert calls == [1, 2]
    assert ping.__name__ == "ping"
    assert ping.__doc__ == "Return the value."
    clock.now = 10
    assert ping(5) == 10


def test_decorator_with_key_function():
    clock = FakeClock()
    limiter = RateLimiter(1, 10, clock=clock)

    @rate_limited(limiter, key=lambda user, **kwargs: user)
    def fetch(user, item=None):
        return f"{user}:{item}"

    assert fetch("alice", item="a") == "alice:a"
    assert fetch("bob") == "bob:None"
    with pytest.raises(RateLimitExceeded):
        fetch("alice", item="b")
    assert limiter.remaining("carol") == 1


def test_rate_limit_exceeded_is_exception():
    assert issubclass(RateLimitExceeded, Exception)
