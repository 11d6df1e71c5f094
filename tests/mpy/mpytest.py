# A minimal test runner for the MicroPython unix port: runs every function named
# test_* in the calling module, prints one line per failure and a closing
# "N passed, N failed" line; exits 1 on any failure.

import os
import sys


def run(module_globals):
    passed = failed = 0
    for name in sorted(module_globals):
        fn = module_globals[name]
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                passed += 1
            except Exception as e:  # noqa: BLE001
                failed += 1
                print("FAIL", name, type(e).__name__, e)
                sys.print_exception(e)
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        sys.exit(1)


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    raise AssertionError("%s not raised" % exc.__name__)


def fresh_dir(path):
    """Make ``path`` an empty folder (a test's scratch space on the unix port's filesystem)."""
    try:
        os.mkdir(path)
    except OSError:
        pass
    for name in os.listdir(path):
        os.remove(path + "/" + name)
