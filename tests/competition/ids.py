"""Valid ID numbers for tests, computed independently of ``bureau.idnumber``."""

# GB 11643 weights for the 17 body digits, copied from the standard's table.
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(body17: str) -> str:
    """The 17-digit body with its ISO 7064 MOD 11-2 check character appended."""
    assert len(body17) == 17 and body17.isdigit()
    weighted = sum(int(digit) * weight for digit, weight in zip(body17, _GB11643_WEIGHTS))
    return body17 + "10X98765432"[weighted % 11]


def person_id(n: int, *, region: str = "330302", birth: str = "19900101") -> str:
    """A distinct valid ID for each n below 1000 (n is the sequence code)."""
    return valid_id(f"{region}{birth}{n:03d}")


def wrong_check(id_number: str) -> str:
    """The same number with a wrong check character."""
    other = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + other
