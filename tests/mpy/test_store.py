import os

import mpytest
from store import Counter

PATH = "/tmp/aquamon-mpy-store-test-%d" % os.getpid() if hasattr(os, "getpid") else "/tmp/aquamon-mpy-store-test"


def _clean():
    for p in (PATH, PATH + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass


def test_counter_persists_across_instances():
    _clean()
    c = Counter(PATH)
    assert c.value == 0
    c.set(41)
    c.set(42)
    assert Counter(PATH).value == 42
    _clean()


def test_a_torn_temporary_file_leaves_the_old_value():
    _clean()
    Counter(PATH).set(7)
    with open(PATH + ".tmp", "w") as f:
        f.write("12")  # a reset after writing the temp file, before the rename
    assert Counter(PATH).value == 7
    _clean()


def test_garbage_falls_back_to_the_default():
    _clean()
    with open(PATH, "w") as f:
        f.write("not a number")
    assert Counter(PATH, 5).value == 5
    _clean()


mpytest.run(globals())
