"""Decorator that applies a RateLimiter to a function."""
import functools

from ratelimit.limiter import RateLimitExceeded


def rate_limited(limiter, key=None):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            limit_key = key(*args, **kwargs) if key is not None else "default"
            if not limiter.allow(limit_key):
                raise RateLimitExceeded(limiter.retry_after(limit_key))
            return func(*args, **kwargs)

        return wrapper

    return decorator


def test_decorator():
    import pytest

    from ratelimit.limiter import RateLimiter

    now = [0.0]
    limiter = RateLimiter(1, 5, clock=lambda: now[0])

    @rate_limited(limiter)
    def f():
        return 1

    assert f() == 1
    with pytest.raises(RateLimitExceeded) as info:
        f()
    assert info.value.retry_after == 5
    now[0] = 5
    assert f() == 1
    assert f.__name__ == "f"
