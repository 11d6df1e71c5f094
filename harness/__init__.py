"""The demo, test and benchmark harness: real Mosquitto, InfluxDB and firmware on loopback ports.

Not part of the installed product (``pip install aquamon`` leaves it out; see docs/architecture.md):
the tests, the benchmarks and ``aquamon demo``/``aquamon replay`` of a source checkout use it.  The
product reaches it only through :func:`aquamon.checkout.harness`, which says what to do when it is
missing.

- :mod:`harness.services`: start and stop our own Mosquitto and InfluxDB 1.x, by PID.
- :mod:`harness.stack`: the whole system on one machine (services, gateway, analytics, firmware).
- :mod:`harness.farm`: a simulated fish farm of N tanks publishing through paho.
- :mod:`harness.loadgen`: synthetic device traffic over QoS 1, acknowledged (gateway tests and benchmarks).
"""
