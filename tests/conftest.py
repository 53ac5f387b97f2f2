"""Hypothesis profiles.

``ci`` (the default) keeps the whole suite within a few minutes on 2 cores.
``thorough`` runs many more examples: ``python -m pytest --hypothesis-profile=thorough``.
Deadlines are off because timing on shared CI machines is noisy; speed is
measured in benchmarks/, never asserted here.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")
