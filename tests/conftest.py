"""Test configuration: property-based tests are reproducible in CI.

With ``CI`` set (as ``.ci/run`` runs), hypothesis draws its examples from a fixed seed
(``derandomize=True``), so a green run stays green and a red one can be rerun exactly;
on a developer's machine it keeps searching new examples (and its example database).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
