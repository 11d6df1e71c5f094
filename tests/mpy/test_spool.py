import os

import mpytest
from spool import Spool

DIR = "/tmp/aquamon-mpy-spool-%d" % (os.getpid() if hasattr(os, "getpid") else 0)


def fresh():
    mpytest.fresh_dir(DIR)


def drain(sp, commit_every=1):
    out = []
    while True:
        rec = sp.peek()
        if rec is None:
            break
        out.append(rec)
        sp.pop()
        if len(out) % commit_every == 0:
            sp.commit()
    sp.commit()
    return out


def msg(i):
    return ('{"seq":%d}' % i).encode()


def test_fifo_and_survives_reopen():
    fresh()
    sp = Spool(DIR, 256, 4)
    for i in range(5):
        sp.append("telemetry", msg(i))
    sp2 = Spool(DIR, 256, 4)  # a reboot
    assert len(sp2) == 5
    assert drain(sp2) == [("telemetry", msg(i)) for i in range(5)]
    assert len(Spool(DIR, 256, 4)) == 0


def test_cursor_persists_after_partial_send():
    fresh()
    sp = Spool(DIR, 256, 4)
    for i in range(30):
        sp.append("event" if i % 7 == 0 else "telemetry", msg(i))
    for _ in range(12):
        sp.peek()
        sp.pop()
    sp.commit()
    sp2 = Spool(DIR, 256, 4)
    assert len(sp2) == 18
    assert [int(p[7:-1]) for _, p in drain(sp2)] == list(range(12, 30))


def test_bounded_drops_oldest_and_counts():
    fresh()
    sp = Spool(DIR, 256, 3)
    for i in range(300):
        sp.append("telemetry", msg(i))
    total = 0
    for n in os.listdir(DIR):
        if n.startswith("spool.") and n[6:].isdigit():
            total += os.stat(DIR + "/" + n)[6]
    assert total <= 3 * 256
    got = [int(p[7:-1]) for _, p in drain(sp)]
    assert got == list(range(300 - len(got), 300))
    assert sp.dropped == 300 - len(got) and sp.dropped > 0


def test_drop_counts_stay_exact_across_reboots_and_partial_sends():
    # the per-segment counts a drop uses (no file read) are rebuilt from the files at boot
    fresh()
    sp = Spool(DIR, 256, 3)
    for i in range(20):
        sp.append("telemetry", msg(i))
    for _ in range(7):  # part of the oldest segment is sent before the reboot
        sp.peek()
        sp.pop()
    sp.commit()
    sp = Spool(DIR, 256, 3)
    for i in range(20, 200):
        sp.append("telemetry", msg(i))
    got = [int(p[7:-1]) for _, p in drain(sp)]
    assert got == list(range(200 - len(got), 200))
    assert sp.dropped == 200 - 7 - len(got) and sp.dropped > 0
    assert len(sp) == 0


def test_reboot_in_the_middle_of_a_write_loses_only_that_record():
    fresh()
    sp = Spool(DIR, 4096, 4)
    for i in range(3):
        sp.append("telemetry", msg(i))
    with open(DIR + "/spool.%d" % sp.last, "ab") as f:
        f.write(b'telemetry 11 {"seq":')  # power lost mid-record
    sp2 = Spool(DIR, 4096, 4)
    sp2.append("telemetry", msg(4))
    sp3 = Spool(DIR, 4096, 4)
    assert [p for _, p in drain(sp3)] == [msg(0), msg(1), msg(2), msg(4)]
    assert sp3.corrupt == 1


def test_reboot_while_saving_the_cursor_keeps_the_old_cursor():
    fresh()
    sp = Spool(DIR, 4096, 4)
    for i in range(4):
        sp.append("telemetry", msg(i))
    sp.peek()
    sp.pop()
    sp.commit()
    with open(DIR + "/spool.pos.tmp", "w") as f:
        f.write("9")  # torn temp file: the rename never happened
    assert [p for _, p in drain(Spool(DIR, 4096, 4))] == [msg(1), msg(2), msg(3)]


def test_bad_geometry_is_refused():
    fresh()
    mpytest.raises(ValueError, Spool, DIR, 10, 4)


mpytest.run(globals())
