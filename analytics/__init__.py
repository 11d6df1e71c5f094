"""aquamon analytics: Gaussian models of healthy water and the distances between them.

>>> from analytics import kl_divergence, bhattacharyya_distance, wasserstein2_distance
>>> round(kl_divergence([0.0], [[1.0]], [0.0], [[1.0]]), 12)
0.0
"""

from analytics.adaptive import AdaptiveEWMeanCov
from analytics.baseline import DayNightBaseline, harmonic_design, ledoit_wolf
from analytics.divergence import (Parts, bhattacharyya_distance, kl_divergence, mahalanobis_contributions,
                                  wasserstein2_distance)
from analytics.ewcov import EWMeanCov
from analytics.forecast import LocalLinearTrend
from analytics.whiten import Whitener, whiten
from analytics.window import WindowDetector, WindowScore, window_score

__all__ = [
    "AdaptiveEWMeanCov",
    "DayNightBaseline",
    "EWMeanCov",
    "LocalLinearTrend",
    "Parts",
    "Whitener",
    "WindowDetector",
    "WindowScore",
    "bhattacharyya_distance",
    "harmonic_design",
    "kl_divergence",
    "ledoit_wolf",
    "mahalanobis_contributions",
    "wasserstein2_distance",
    "whiten",
    "window_score",
]
