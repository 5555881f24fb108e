import pytest

from primes import is_prime, nth_prime, prime_factors, primes_up_to


def test_small_sieve():
    assert primes_up_to(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert primes_up_to(2) == [2]
    assert primes_up_to(13)[-1] == 13


def test_sieve_below_two():
    assert primes_up_to(1) == []
    assert primes_up_to(0) == []
    assert primes_up_to(-10) == []


def test_sieve_large():
    result = primes_up_to(1_000_000)
    assert len(result) == 78498
    assert result[-1] == 999983


def test_is_prime():
    assert [n for n in range(-5, 30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert is_prime(7919)
    assert not is_prime(7917)
    assert is_prime(1_000_003)


def test_nth_prime():
    assert nth_prime(1) == 2
    assert nth_prime(10) == 29
    assert nth_prime(1000) == 7919
    with pytest.raises(ValueError):
        nth_prime(0)


def test_prime_factors():
    assert prime_factors(2) == [2]
    assert prime_factors(360) == [2, 2, 2, 3, 3, 5]
    assert prime_factors(97) == [97]
    assert prime_factors(2 * 3 * 1_000_003) == [2, 3, 1_000_003]
    with pytest.raises(ValueError):
        prime_factors(1)
