"""Whether two values could be one person's: the rules blocking and clustering share.

A true pair disagrees in the ways people type: a transposed or mistyped character, a day and month swapped,
a nickname, an initial, a missing part. Two people of one household disagree in ways that are not typos.
"""

from __future__ import annotations


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
    # One typo is tolerated in longer names only (Hung/Tung, Hong/Huong are different people); swapped
    # neighbouring letters (Hugn/Hung) make no new name, so they are tolerated from four letters.
    if min(len(a), len(b)) >= 5 and _edit_distance_le1(a, b):
        return True
    if len(a) == len(b) >= 4 and sorted(a) == sorted(b) and _edit_distance_le1(a, b):
        return True
    # one is a prefix of the other ("kat" / "katarzyna") only for clear abbreviations
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) >= 3


def names_compatible(a: tuple[str, ...] | list[str] | None, b: tuple[str, ...] | list[str] | None) -> bool:
    """Can two canonical token sets name the same person? Every token of the shorter name must match a
    token of the longer (exactly, by nickname, as an initial or within one typo), so ``Anna Nowak`` and
    ``Piotr Nowak`` are incompatible while ``Nguyen Anh`` and ``Anh Nguyen Van`` are compatible."""
    if not a or not b:
        return True
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    used: set[int] = set()
    for t in small:
        hit = False
        for j, u in enumerate(big):
            if j not in used and _tokens_match(t, u):
                used.add(j)
                hit = True
                break
        if not hit:
            return False
    return True


def dates_compatible(a: str | None, b: str | None) -> bool:
    """Birth dates that could be one person's: equal, one typo apart, or day and month swapped."""
    if not a or not b or a == b:
        return True
    if len(a) != 10 or len(b) != 10:
        return False
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    return _edit_distance_le1(a, b)
