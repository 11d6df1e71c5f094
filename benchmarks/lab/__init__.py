"""Lab detectors: not run by the product; the comparison baselines the detection benchmark prints."""
