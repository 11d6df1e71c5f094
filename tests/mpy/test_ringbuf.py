import mpytest
from ringbuf import Ring


def test_fifo_order():
    r = Ring(3)
    for i in range(3):
        r.push(i)
    assert [r.pop(), r.pop(), r.pop(), r.pop()] == [0, 1, 2, None]


def test_full_ring_drops_oldest_and_counts():
    r = Ring(3)
    for i in range(10):
        r.push(i)
    assert len(r) == 3 and r.dropped == 7
    assert r.peek() == 7
    assert [r.pop() for _ in range(3)] == [7, 8, 9]


def test_capacity_must_be_positive():
    mpytest.raises(ValueError, Ring, 0)


mpytest.run(globals())
