"""Settings of the water-quality watch (:class:`analytics.detector.WaterQualityDetector`) and its bounds.

Apart from the detector so that its module stays one estimator; every setting is a stated property, not
a constant fitted on a benchmark file (docs/detection.md says how each was chosen).
"""

from __future__ import annotations

from dataclasses import dataclass

#: GECCO 2018: changes of these are operational, not water-quality events
OPERATIONAL = ("Tp", "Fm", "Fm_2")
STATISTICS = ("short", "kl_mean", "kl_cov", "drift")
#: Bounds that keep one absurd reading (a probe glitch of 1e200 in a CSV) from poisoning the
#: running state: a raw value beyond ±RAW_LIMIT is taken as ±RAW_LIMIT (so no product overflows),
#: a whitened residual beyond ±Z_LIMIT healthy standard deviations as ±Z_LIMIT.  Z_LIMIT is far
#: beyond any calibrated tail (the reading is still as far out as it gets), and small enough that
#: the window's running sums lose nothing to cancellation once it has passed (1e8 · 2⁻⁵² ≈ 2e-8).
RAW_LIMIT = 1e100
Z_LIMIT = 1e4


@dataclass
class DetectorSettings:
    """Settings of :class:`WaterQualityDetector`; each is a stated property, not a fitted constant."""

    #: time constant of the level (the healthy mean), minutes: one day
    level_minutes: float = 1440.0
    #: time constant of the short average of the whitened residual, minutes on the one-minute grid (three
    #: readings); readings closer together than a minute get the same number of readings (see ``reading_minutes``)
    short_minutes: float = 3.0
    #: length of the divergence window, minutes
    window_minutes: int = 30
    #: the stated false-alarm rate the threshold is set for
    false_alarms_per_day: float = 0.5
    #: an alarm lasting this long is a new baseline, not an event: relearn the level.  None: calibrated
    #: by :meth:`WaterQualityDetector.fit` as ``relearn_events_factor`` × the median length of TRAIN's
    #: labelled events (at least 3 needed), else ``relearn_fallback_minutes``
    relearn_after_minutes: float | None = None
    #: relearn after this many median TRAIN event lengths (3: between 60 and 240 min on GECCO, where the
    #: cross-validation inside TRAIN could not tell those apart; docs/detection.md)
    relearn_events_factor: float = 3.0
    #: relearn delay without labelled events in TRAIN, minutes
    relearn_fallback_minutes: float = 360.0
    #: a relearned level is the mean of this many most recent minutes ...
    relearn_window_minutes: int = 10
    #: ... then learned afresh (a running mean, like the warm-up), so it follows the water's recovery
    #: after an event instead of alarming on it (False: it keeps its one-day time constant)
    relearn_afresh: bool = True
    #: an alarm ends when the combined rate rises above this multiple of the alarm rate (1: no
    #: hysteresis; measured on GECCO, any hysteresis held alarms for hours after the events)
    clear_factor: float = 1.0
    #: on readings closer than a minute, an alarm ends only after the score has stayed under the clear
    #: threshold for this many time constants of the short average (3: 95 % of the last loud reading has
    #: left it); on the one-minute grid the first quiet reading ends it, as before (see ``hold_minutes``)
    clear_hold_constants: float = 3.0
    #: channels not scored (operational changes)
    operational: tuple[str, ...] = OPERATIONAL
    #: the statistics that can raise an alarm, the first always, the others if their calibration holds
    #: on held-out TRAIN rows (kl_cov is attribution only: noise changes are probes, not water)
    evidence: tuple[str, ...] = ("short", "drift")
    #: drift CUSUM (Page's test on each channel's reading-to-reading steps, in healthy step scales):
    #: steps up to this size are allowed (Page's k: half of the sustained drift to catch fastest,
    #: here 4 step scales a reading; 1 and 3 were worse in the cross-validation inside TRAIN)
    drift_allowance: float = 2.0
    #: drift CUSUM: one step adds at most this many step scales towards a drift, but counts fully
    #: against it: a lone jump (an outlier, a baseline shift, not events) cannot raise a drift alarm
    drift_clip: float = 4.0
    #: readings before scores leave 0 when started cold
    warmup_rows: int = 60
    #: score each channel's one-step prediction error under an AR(1) model of its healthy residual,
    #: r_t − ρ r_{t−1} (ρ the lag-1 autocorrelation on TRAIN), not the residual itself: a channel that wanders
    #: slowly (a pump's water warming, ρ ≈ 0.95) is judged by what it does next, which a short healthy start
    #: does show, not by how far it has wandered, which it cannot (False: the residual, as before round 8).
    #: Only on readings closer than a minute, where an alarm has a hold (``hold_minutes``) to bridge the
    #: innovation's flicker: on the one-minute grid each flicker is an alert (NAB's machine temperature: 93
    #: one-reading false alarms, raw score 1.09 → −6.83; GECCO 0.744 → 0.755 with 4 × the false onsets)
    ar_innovations: bool = True
    #: with the innovations, the healthy covariance's winsorising never clips inside these tails (outliers are
    #: rare; 0: clip at 4 MADs whatever their share, as before round 8, which on a coarsely quantised channel
    #: clips its ordinary steps and makes its variance many times too small).  Not without them: the true
    #: variance then lowers the threshold under the wander (SKAB's healthy recording alarmed 65 % of its time,
    #: round 7) and GECCO loses 0.744 → 0.739
    winsorise_rare: float = 0.01
