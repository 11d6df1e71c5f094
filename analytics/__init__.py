"""aquamon analytics: the per-tank engine (:class:`analytics.monitor.TankMonitor`) and its parts.

>>> from analytics import kl_divergence, bhattacharyya_distance, wasserstein2_distance
>>> round(kl_divergence([0.0], [[1.0]], [0.0], [[1.0]]), 12)
0.0
"""

from analytics.baseline import DayNightBaseline, harmonic_design, ledoit_wolf
from analytics.divergence import (
                                  Parts,
                                  bhattacharyya_distance,
                                  kl_divergence,
                                  mahalanobis_contributions,
                                  wasserstein2_distance,
)
from analytics.forecast import LocalLinearTrend

__all__ = [
    "DayNightBaseline",
    "LocalLinearTrend",
    "Parts",
    "bhattacharyya_distance",
    "harmonic_design",
    "kl_divergence",
    "ledoit_wolf",
    "mahalanobis_contributions",
    "wasserstein2_distance",
]
