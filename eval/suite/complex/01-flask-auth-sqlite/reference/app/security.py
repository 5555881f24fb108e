"""Password hashing and token generation (standard library only)."""
import hashlib
import hmac
import secrets

ITERATIONS = 100_000


def hash_password(password):
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), ITERATIONS).hex()
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest}"


def verify_password(password, password_hash):
    try:
        algorithm, iterations, salt, expected = password_hash.split("$")
    except (AttributeError, ValueError):
        return False
    if algorithm != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), int(iterations)).hex()
    return hmac.compare_digest(digest, expected)


def generate_token():
    return secrets.token_urlsafe(32)


def test_hash_and_verify():
    hashed = hash_password("pw123456")
    assert "pw123456" not in hashed
    assert verify_password("pw123456", hashed)
    assert not verify_password("nope", hashed)
    assert not verify_password("pw123456", "garbage")


def test_tokens_are_unique():
    assert generate_token() != generate_token()
