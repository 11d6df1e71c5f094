"""aquamon analytics: Gaussian models of healthy water and the distances between them.

>>> from analytics import kl_divergence, bhattacharyya_distance, wasserstein2_distance
>>> round(kl_divergence([0.0], [[1.0]], [0.0], [[1.0]]), 12)
0.0
"""

from analytics.baseline import DayNightBaseline, harmonic_design, ledoit_wolf
from analytics.divergence import Parts, bhattacharyya_distance, kl_divergence, wasserstein2_distance

__all__ = [
    "DayNightBaseline",
    "Parts",
    "bhattacharyya_distance",
    "harmonic_design",
    "kl_divergence",
    "ledoit_wolf",
    "wasserstein2_distance",
]
