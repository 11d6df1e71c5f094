"""The contract every detector follows (after River's ``AnomalyDetector``).

``learn_one(x, t)`` updates the state; ``score_one(x, t)`` reads it and never
changes it.  A higher score means more anomalous; scores are finite for any
finite input and 0.0 until the detector's warm-up is complete.  ``x`` maps
sensor name to value (missing sensors are allowed); ``t`` is epoch seconds.

Deciding is separate from scoring (see :class:`ThresholdFilter`), and a
detector wrapped in it does not learn from the points it flags, so a fault is
never learned as normal.  The trade-off: a genuine lasting change (a water
change) is not learned either until an operator accepts it or the filter's
``relearn_after`` has passed; the filter documents which it does.
"""

from __future__ import annotations

import abc
from typing import Mapping

Reading = Mapping[str, float]


class AnomalyDetector(abc.ABC):
    """Abstract base: ``learn_one`` updates, ``score_one`` reads; higher = more anomalous.

    Every detector passes the contract suite in ``tests/test_detector_contract.py``
    (append a factory to its ``DETECTORS`` list).

    Examples
    --------
    >>> from analytics.detector import WaterQualityDetector
    >>> det = WaterQualityDetector()
    >>> isinstance(det, AnomalyDetector), det.grace_period  # scores are 0.0 for the first 60 readings
    (True, 60)
    """

    #: readings needed before scores leave 0.0 (the explicit warm-up)
    grace_period: int = 0

    @abc.abstractmethod
    def learn_one(self, x: Reading, t: float) -> None:
        """Update the model with one reading taken at ``t`` (epoch seconds)."""

    @abc.abstractmethod
    def score_one(self, x: Reading, t: float) -> float:
        """Anomaly score of one reading: ≥ 0, finite, 0.0 during warm-up; must not change state."""


class ThresholdFilter:
    """Turns a detector's scores into decisions, and protects it from learning anomalies.

    Parameters
    ----------
    detector
        Any :class:`AnomalyDetector`.
    threshold
        Scores strictly above it are anomalies.
    protect_detector
        If true (the default), flagged readings are not learned.

    Examples
    --------
    >>> class Mean(AnomalyDetector):
    ...     def __init__(self):
    ...         self.n, self.mean = 0, 0.0
    ...     def learn_one(self, x, t):
    ...         self.n += 1
    ...         self.mean += (x["v"] - self.mean) / self.n
    ...     def score_one(self, x, t):
    ...         return abs(x["v"] - self.mean) if self.n else 0.0
    >>> f = ThresholdFilter(Mean(), threshold=5.0)
    >>> [f.update_one({"v": v}, 0) for v in (1.0, 1.0, 100.0, 1.0)]
    [False, False, True, False]
    >>> f.detector.n  # the spike at 100 was not learned
    3
    """

    def __init__(self, detector: AnomalyDetector, threshold: float, protect_detector: bool = True) -> None:
        if not threshold == threshold:  # NaN
            raise ValueError("threshold must be a number")
        self.detector = detector
        self.threshold = threshold
        self.protect_detector = protect_detector

    def update_one(self, x: Reading, t: float) -> bool:
        """Score, decide, then learn unless flagged (and protected); return the decision."""
        anomalous = self.detector.score_one(x, t) > self.threshold
        if not (anomalous and self.protect_detector):
            self.detector.learn_one(x, t)
        return anomalous
