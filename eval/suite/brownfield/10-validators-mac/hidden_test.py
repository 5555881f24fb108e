from checks.validators import is_hex_color, is_mac_address


def test_mac_colon_and_hyphen():
    assert is_mac_address("00:1A:2b:3C:4d:5E")
    assert is_mac_address("00-1a-2b-3c-4d-5e")


def test_mac_dotted():
    assert is_mac_address("001a.2b3c.4d5e")
    assert is_mac_address("001A.2B3C.4D5E")


def test_mac_rejects():
    for text in (
        "00:1a:2b:3c:4d",
        "00:1a:2b:3c:4d:5e:6f",
        "00:1a-2b:3c:4d:5e",
        "001a2b3c4d5e",
        "00:1a:2b:3c:4d:5g",
        " 00:1a:2b:3c:4d:5e",
        "001a.2b3c-4d5e",
        "0:1a:2b:3c:4d:5e",
        "",
    ):
        assert not is_mac_address(text), text
    assert not is_mac_address(None)
    assert not is_mac_address(0x001A2B3C4D5E)


def test_hex_color_alpha():
    assert is_hex_color("#fff8")
    assert is_hex_color("#A0B1C2FF")
    assert is_hex_color("#fff")
    assert is_hex_color("#a0b1c2")


def test_hex_color_still_rejects():
    for text in ("#12345", "#1234567", "#123456789", "fff8", "#ggg8", "#"):
        assert not is_hex_color(text), text
