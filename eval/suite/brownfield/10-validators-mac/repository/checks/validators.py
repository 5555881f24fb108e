"""Input validators for the sign-up and settings forms.

Each `is_<thing>(text)` returns True or False and never raises for a string; anything that is not a
`str` is simply not valid (False). Validators do not strip whitespace: the forms strip before calling,
so " a@b.io" is not an e-mail address here. `password_problems` returns a list of readable problems
instead of a bool, because the form shows them.

The rules are deliberately practical rather than complete (the e-mail rule is not RFC 5322); each
docstring says what is accepted.
"""
import re
import string
import uuid
from datetime import date, datetime

# ---------------------------------------------------------------------------------------------
# Internet
# ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def is_email(text) -> bool:
    """local@domain.tld: local part of letters, digits and ._%+-, not starting or ending with a dot,
    no two dots in a row; a domain of valid labels and a 2-63 letter top-level domain."""
    if not isinstance(text, str) or len(text) > 254 or not _EMAIL.match(text):
        return False
    local = text.split("@", 1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


def is_hostname(text) -> bool:
    """Dot-separated labels of letters, digits and inner hyphens, 1-63 characters each, at most 253
    characters in all; a single trailing dot is allowed."""
    if not isinstance(text, str) or not text or len(text) > 253:
        return False
    name = text[:-1] if text.endswith(".") else text
    return all(_LABEL.match(label) for label in name.split("."))


def is_url(text) -> bool:
    """http:// or https:// URLs with a hostname or IPv4 address, an optional port (1-65535) and an
    optional path, query and fragment."""
    if not isinstance(text, str):
        return False
    match = re.match(r"^(https?)://([^/:?#]+)(?::(\d{1,5}))?([/?#].*)?$", text)
    if not match:
        return False
    host, port = match.group(2), match.group(3)
    if port is not None and not 1 <= int(port) <= 65535:
        return False
    if any(c.isspace() for c in text):
        return False
    return is_ipv4(host) or is_hostname(host)


def is_ipv4(text) -> bool:
    """Four decimal numbers 0-255 separated by dots, without leading zeros ("01" is refused)."""
    if not isinstance(text, str):
        return False
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isdigit() or not part.isascii():
            return False
        if len(part) > 1 and part[0] == "0":
            return False
        if int(part) > 255:
            return False
    return True


def is_ipv6(text) -> bool:
    """Eight groups of 1-4 hex digits separated by colons, or fewer with one "::" standing for the
    missing zero groups. Embedded IPv4 and zone ids are not accepted."""
    if not isinstance(text, str) or not text:
        return False
    if text.count("::") > 1:
        return False
    hexdigits = set(string.hexdigits)

    def groups_ok(groups):
        return all(1 <= len(g) <= 4 and set(g) <= hexdigits for g in groups)

    if "::" in text:
        head, tail = text.split("::")
        left = head.split(":") if head else []
        right = tail.split(":") if tail else []
        return len(left) + len(right) <= 7 and groups_ok(left) and groups_ok(right)
    groups = text.split(":")
    return len(groups) == 8 and groups_ok(groups)


def is_port(text) -> bool:
    """A decimal port number 1-65535 without a sign or leading zeros."""
    return isinstance(text, str) and text.isdigit() and text.isascii() and text[0] != "0" and int(text) <= 65535


# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------


def is_uuid(text) -> bool:
    """A UUID in its canonical 8-4-4-4-12 hex form (either case)."""
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def is_slug(text) -> bool:
    """Lower-case letters and digits in words joined by single hyphens: "my-first-post"."""
    return isinstance(text, str) and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text) is not None


def is_username(text) -> bool:
    """3-20 characters: letters, digits, "_" and "."; starts with a letter; no "." at the end and no
    two "." in a row."""
    if not isinstance(text, str) or not 3 <= len(text) <= 20:
        return False
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", text):
        return False
    return not text.endswith(".") and ".." not in text


def is_semver(text) -> bool:
    """Semantic versions MAJOR.MINOR.PATCH with optional -prerelease and +build parts."""
    pattern = (
        r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
        r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
        r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    )
    return isinstance(text, str) and re.fullmatch(pattern, text) is not None


def is_hex_color(text) -> bool:
    """CSS hex colours: "#" and 3 or 6 hex digits."""
    return isinstance(text, str) and re.fullmatch(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})", text) is not None


# ---------------------------------------------------------------------------------------------
# Numbers with check digits
# ---------------------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a string of digits (card numbers, IMEIs)."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card_number(text) -> bool:
    """12-19 digits, optionally grouped with single spaces or hyphens, passing the Luhn check."""
    if not isinstance(text, str) or not re.fullmatch(r"\d+(?:[ -]\d+)*", text):
        return False
    digits = re.sub(r"[ -]", "", text)
    return 12 <= len(digits) <= 19 and luhn_ok(digits)


def is_isbn10(text) -> bool:
    """Ten characters (hyphens ignored): nine digits and a check digit or "X"."""
    if not isinstance(text, str):
        return False
    chars = text.replace("-", "")
    if not re.fullmatch(r"\d{9}[\dX]", chars):
        return False
    total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(chars))
    return total % 11 == 0


def is_isbn13(text) -> bool:
    """Thirteen digits (hyphens ignored) starting 978 or 979 with a valid check digit."""
    if not isinstance(text, str):
        return False
    chars = text.replace("-", "")
    if not re.fullmatch(r"97[89]\d{10}", chars):
        return False
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(chars))
    return total % 10 == 0


def is_iban(text) -> bool:
    """An IBAN: country code, two check digits and up to 30 letters or digits (spaces every four
    characters allowed), with a valid mod-97 checksum. Country lengths are not checked."""
    if not isinstance(text, str):
        return False
    compact = text.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


# ---------------------------------------------------------------------------------------------
# Dates and times
# ---------------------------------------------------------------------------------------------


def is_iso_date(text) -> bool:
    """A real calendar date written YYYY-MM-DD."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_time_of_day(text) -> bool:
    """HH:MM or HH:MM:SS on a 24-hour clock."""
    if not isinstance(text, str):
        return False
    for layout in ("%H:%M", "%H:%M:%S"):
        try:
            parsed = datetime.strptime(text, layout)
        except ValueError:
            continue
        return parsed.strftime(layout) == text
    return False


def is_adult(birth_date: str, today: str, age: int = 18) -> bool:
    """Whether someone born on `birth_date` is at least `age` on `today` (both YYYY-MM-DD)."""
    if not (is_iso_date(birth_date) and is_iso_date(today)):
        return False
    born, now = date.fromisoformat(birth_date), date.fromisoformat(today)
    years = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
    return years >= age


# ---------------------------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------------------------


def password_problems(password, username: str = "") -> list[str]:
    """What is wrong with a password, in a fixed order; [] for a good one.

    At least 10 characters; a lower-case letter, an upper-case letter and a digit; no whitespace; it
    must not contain the username (case-insensitively) when one is given.
    """
    if not isinstance(password, str):
        return ["password must be text"]
    problems = []
    if len(password) < 10:
        problems.append("at least 10 characters")
    if not any(c.islower() for c in password):
        problems.append("a lower-case letter")
    if not any(c.isupper() for c in password):
        problems.append("an upper-case letter")
    if not any(c.isdigit() for c in password):
        problems.append("a digit")
    if any(c.isspace() for c in password):
        problems.append("no spaces")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    return problems
