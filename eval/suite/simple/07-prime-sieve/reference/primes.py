"""Prime numbers: sieve, primality, n-th prime, factorisation."""
import math


def primes_up_to(limit):
    if limit < 2:
        return []
    sieve = bytearray([1]) * (limit + 1)
    sieve[0] = sieve[1] = 0
    for p in range(2, math.isqrt(limit) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytearray(len(range(p * p, limit + 1, p)))
    return [i for i, flag in enumerate(sieve) if flag]


def is_prime(n):
    if n < 2:
        return False
    if n < 4:
        return True
    if n % 2 == 0:
        return False
    for d in range(3, math.isqrt(n) + 1, 2):
        if n % d == 0:
            return False
    return True


def nth_prime(k):
    if k < 1:
        raise ValueError("k must be at least 1")
    limit = 15
    while True:
        found = primes_up_to(limit)
        if len(found) >= k:
            return found[k - 1]
        limit *= 2


def prime_factors(n):
    if n < 2:
        raise ValueError("n must be at least 2")
    factors = []
    d = 2
    while d * d <= n:
        while n % d == 0:
            factors.append(d)
            n //= d
        d += 1 if d == 2 else 2
    if n > 1:
        factors.append(n)
    return factors


def test_sieve_and_is_prime():
    assert primes_up_to(20) == [2, 3, 5, 7, 11, 13, 17, 19]
    assert is_prime(97) and not is_prime(1)


def test_nth_and_factors():
    assert nth_prime(10) == 29
    assert prime_factors(360) == [2, 2, 2, 3, 3, 5]
