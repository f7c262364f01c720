"""Whether two values could be one person's: the rules blocking and clustering share.

A true pair disagrees in the ways people type: a transposed or mistyped character, a day and month swapped,
a nickname, an initial, a missing part. Two people of one household disagree in ways that are not typos.
"""

from __future__ import annotations

from collections.abc import Sequence


def _edit_distance_le1(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        # adjacent transposition
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # initial
        return a[0] == b[0]
    # One typo is tolerated from five letters; from four only when the first letter holds (Rosa/Rosfa,
    # Hugn/Hung), since another first letter makes another common name (Hung/Tung, Mark/Park).
    if min(len(a), len(b)) >= 5 and _edit_distance_le1(a, b):
        return True
    if min(len(a), len(b)) >= 4 and a[0] == b[0] and _edit_distance_le1(a, b):
        return True
    # one is a prefix of the other ("kat" / "katarzyna") only for clear abbreviations
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) >= 3


def _all_matched(small: Sequence[str], big: Sequence[str]) -> bool:
    """Every token of ``small`` matches its own token of ``big``."""
    used: set[int] = set()
    for t in small:
        j = next((j for j, u in enumerate(big) if j not in used and _tokens_match(t, u)), None)
        if j is None:
            return False
        used.add(j)
    return True


def names_compatible(a: Sequence[str] | None, b: Sequence[str] | None) -> bool:
    """Can two canonical token sets name the same person? Every token of the shorter name must match a
    token of the longer (exactly, by nickname, as an initial or within one typo), so ``Anna Nowak`` and
    ``Piotr Nowak`` are incompatible while ``Nguyen Anh`` and ``Anh Nguyen Van`` are compatible."""
    if not a or not b:
        return True
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return _all_matched(small, big)


def given_names_compatible(
    given_a: Sequence[str] | None,
    all_a: Sequence[str] | None,
    given_b: Sequence[str] | None,
    all_b: Sequence[str] | None,
) -> bool:
    """Can two records with these given-name tokens and whole-name tokens be one person?

    What tells two people of one family apart is the given name. Either the whole names fit as in
    :func:`names_compatible` (swapped fields, a full name typed in one field, a missing middle name), or the given
    names do (so a family name that differs, a new married name or one typed wrong beyond a letter, does not
    refuse on its own). A given name found only among the other's family name does not count: ``Vo Huu Tu`` with
    first and last name swapped is not ``Thanh Chi Vo``.
    """
    if not given_a or not given_b:
        return names_compatible(all_a, all_b)
    return names_compatible(all_a, all_b) or names_compatible(given_a, given_b)


def dates_compatible(a: str | None, b: str | None) -> bool:
    """Birth dates (ISO) that could be one person's: equal, one typo apart (a transposed digit too), day and
    month swapped, or only one of year, month and day differing. Two people of one family differ in more."""
    if not a or not b or a == b:
        return True
    if len(a) != 10 or len(b) != 10:
        return False
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    parts_differing = (a[:4] != b[:4]) + (a[5:7] != b[5:7]) + (a[8:10] != b[8:10])
    return parts_differing <= 1 or _edit_distance_le1(a, b)


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


def phonetic_key(token: str) -> str:
    """Soundex of one name token (``katarzyna``/``katazyna`` -> ``k362``): names that sound alike share it."""
    if not token:
        return ""
    coded = token.translate(_SOUNDEX)
    out, last = token[0], coded[0]
    for ch, code in zip(token[1:], coded[1:], strict=True):
        if code.isdigit() and code != last:
            out += code
        if ch not in "hw":
            last = code
    return (out + "000")[:4]
