import calib
import mpytest
import sensors
from simhw import SimADC, SimOneWire, SimPin, scratchpad


def close(a, b, tol):
    if abs(a - b) > tol:
        raise AssertionError("%r != %r +- %r" % (a, b, tol))


def test_crc8_of_a_valid_rom_is_zero():
    rom = bytearray([0x28, 0xFF, 0x64, 0x1E, 0x0F, 0x16, 0x03, 0])
    rom[7] = sensors.crc8(rom[:7])
    assert sensors.crc8(rom) == 0
    assert sensors.crc8(b"\x02\x1c\xb8\x01\x00\x00\x00") == 0xA2  # the Maxim app-note example


def test_ds18b20_start_then_read():
    bus = SimOneWire(scratchpad(25.0625))
    t = sensors.DS18B20(bus)
    t.start()
    assert bus.written == [0xCC, 0x44]
    assert t.read() == 25.0625
    bus.pad = scratchpad(-1.5)
    assert t.read() == -1.5


def test_ds18b20_faults_are_typed():
    t = sensors.DS18B20(SimOneWire(scratchpad(25.0, corrupt=True)))
    mpytest.raises(sensors.CrcError, t.read)
    t = sensors.DS18B20(SimOneWire(scratchpad(85.0)))
    mpytest.raises(sensors.PowerOnValue, t.read)
    t = sensors.DS18B20(SimOneWire(scratchpad(25.0), present=False))
    mpytest.raises(sensors.SensorError, t.start)


def test_nernst_slope():
    close(sensors.nernst_mv_per_ph(25.0), 59.16, 0.01)
    close(sensors.nernst_mv_per_ph(0.0), 54.20, 0.01)


def ideal_mv(ph, temp_c, slope_pct=100.0, offset=0.0):
    return offset - (ph - 7.0) * sensors.nernst_mv_per_ph(temp_c) * slope_pct / 100.0


def test_two_and_three_point_calibration_recover_the_probe():
    for buffers in ((4.01, 6.86, 9.18), (4.0, 7.0, 10.0)):  # the two common buffer sets
        for n in (2, 3):
            pts = [(b, ideal_mv(b, 22.0, 96.0, 8.0), 22.0) for b in buffers[:n]]
            off, slope = calib.calibrate_ph(pts)
            close(off, 8.0, 0.01)
            close(slope, 96.0, 0.01)
            # and the reading at another temperature is compensated
            close(sensors.ph_from_mv(ideal_mv(7.8, 28.0, 96.0, 8.0), 28.0, off, slope), 7.8, 0.001)


def test_bad_slope_is_refused_with_what_to_do():
    pts = [(4.01, ideal_mv(4.01, 25.0, 80.0), 25.0), (6.86, ideal_mv(6.86, 25.0, 80.0), 25.0)]
    try:
        calib.calibrate_ph(pts)
    except sensors.CalibrationError as e:
        msg = str(e)
        assert "80.0 %" in msg and "outside 85-105" in msg and "buffer" in msg and "probe" in msg
    else:
        raise AssertionError("an 80 % slope was accepted")
    pts = [(4.0, ideal_mv(4.0, 25.0, 110.0), 25.0), (10.0, ideal_mv(10.0, 25.0, 110.0), 25.0)]
    mpytest.raises(sensors.CalibrationError, calib.calibrate_ph, pts)
    mpytest.raises(sensors.CalibrationError, calib.calibrate_ph, [(7.0, 0.0, 25.0)])
    mpytest.raises(sensors.CalibrationError, calib.calibrate_ph, [(7.0, 0.0, 25.0), (7.5, -29.0, 25.0)])


def test_ph_probe_reads_through_board_gain():
    # a board that amplifies by -3 around 1500 mV: probe 0 mV -> 1500 mV at the ADC
    adc = SimADC(int((1500.0 - 3.0 * ideal_mv(6.5, 25.0)) * 1000))
    p = sensors.PhProbe(adc, board_offset_mv=1500.0, board_gain=-3.0)
    close(p.read(25.0), 6.5, 0.001)


def test_tds_is_compensated_to_25c():
    v = 0.5
    at25 = sensors.tds_from_volts(v, 25.0)
    close(at25, (133.42 * v ** 3 - 255.86 * v ** 2 + 857.39 * v) * 0.5, 1e-6)
    close(sensors.tds_from_volts(v, 30.0), at25 / 1.1, 1e-6)
    close(sensors.tds_from_volts(v, 25.0, k_factor=2.0, ppm_factor=0.7), at25 * 2 * 0.7 / 0.5, 1e-6)
    p = sensors.TdsProbe(SimADC(500000))
    close(p.read(25.0), at25, 1e-6)


def test_turbidity_curve():
    c = sensors.DEFAULT_TURBIDITY_CURVE
    assert sensors.interpolate(c, 4.5) == 0.0
    assert sensors.interpolate(c, 3.25) == 1100.0
    mpytest.raises(sensors.CalibrationError, sensors.check_curve, ((1.0, 5.0), (1.0, 3.0)))
    close(sensors.TurbidityProbe(SimADC(2000000), divider=2.0).read(), 150.0, 1e-6)


def test_ultrasonic_level_and_timeout():
    trig, echo = SimPin(), SimPin()
    pulses = [1166]  # 1166 us -> 20.0 cm from the sensor

    def tpu(pin, level, timeout):
        assert pin is echo and level == 1
        return pulses[0]

    u = sensors.Ultrasonic(trig, echo, tpu, lambda us: None, mount_cm=50.0)
    close(u.read(), 30.0, 0.05)
    assert trig.writes == [0, 1, 0]
    assert u.echo_us() == 1166 and u.read(1166) == u.read()  # ProbeSet converts the median width once
    pulses[0] = -1
    mpytest.raises(sensors.SensorError, u.read)


def test_float_switch_and_flow_meter():
    pin = SimPin(0)
    assert sensors.FloatSwitch(pin, low_value=0).read() is True
    pin.v = 1
    assert sensors.FloatSwitch(pin, low_value=0).read() is False
    fp = SimPin()
    f = sensors.FlowMeter(fp, pulses_per_litre=450.0)
    f.start(0)
    fp.pulse(900)  # 2 litres in 15 s
    close(f.read(15000, 15000), 8.0, 1e-9)
    assert f.count == 0


def test_median_rejects_spikes():
    vals = iter([7.0, 7.1, 99.0, 7.05, -5.0])
    assert sensors.sample(lambda: next(vals), 5) == 7.05
    vals = iter([7.0, 7.1, 99.0, -5.0])  # an even count: the mean of the middle two
    close(sensors.sample(lambda: next(vals), 4), 7.05, 1e-9)
    adc = SimADC([300000, 300000, 3000000, 300000, 300000])  # one spike in five
    close(sensors.sample(lambda: adc.read_uv() / 1e6, 5), 0.3, 1e-9)


def test_probe_set_puts_failures_and_out_of_range_in_bad():
    bus = SimOneWire(scratchpad(85.0))  # power-on value
    ph_adc = SimADC(int(ideal_mv(7.2, 25.0) * 1000))
    ps = sensors.ProbeSet(thermometer=sensors.DS18B20(bus), ph=sensors.PhProbe(ph_adc),
                          tds=sensors.TdsProbe(SimADC(0)), turbidity=sensors.TurbidityProbe(SimADC(4300000)),
                          level=sensors.Ultrasonic(SimPin(), SimPin(), lambda p, l, t: -2, lambda us: None, 50.0),
                          samples=3)
    r, bad = ps.read_all(0)
    assert "temp_c" in bad and "power-on" in ps.errors["temp_c"]
    assert "level_cm" in bad and "no echo" in ps.errors["level_cm"]
    close(r["ph"], 7.2, 0.001)  # compensated at the 25 C default
    assert r["turb_ntu"] == 0.0 and r["tds_ppm"] == 0.0
    assert "temp_c" not in r and "level_cm" not in r
    ph_adc.uv = int(ideal_mv(1.0, 25.0) * 1000)  # pH 1: a broken probe, not water
    bus.pad = scratchpad(24.5)
    r, bad = ps.read_all(0)
    assert bad == ["level_cm", "ph"] and r["temp_c"] == 24.5 and "ph" not in r
    assert "outside its physical range" in ps.errors["ph"]


mpytest.run(globals())
