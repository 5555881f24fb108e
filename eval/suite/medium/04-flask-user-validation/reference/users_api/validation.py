"""Validation of user payloads."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_user(data):
    if not isinstance(data, dict):
        return ["body: must be a JSON object"]
    errors = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name: is required and must be a non-empty string")
    elif len(name.strip()) > 100:
        errors.append("name: must be at most 100 characters")
    email = data.get("email")
    local, _, domain = email.partition("@") if isinstance(email, str) else ("", "", "")
    if not isinstance(email, str) or email.count("@") != 1 or not local or "." not in domain:
        errors.append("email: must be a valid email address")
    age = data.get("age")
    if not _is_int(age) or not 0 <= age <= 150:
        errors.append("age: must be an integer between 0 and 150")
    return errors


def test_valid_and_invalid():
    assert validate_user({"name": "A", "email": "a@b.co", "age": 3}) == []
    errors = validate_user({"name": " ", "email": "x", "age": True})
    assert [e.split(":")[0] for e in errors] == ["name", "email", "age"]
    assert validate_user("nope") == ["body: must be a JSON object"]
