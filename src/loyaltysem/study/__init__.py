"""The study wing: the same analysis on every survey wave, from one study file.

- :mod:`~loyaltysem.study.config`: the study file (``study.toml``), checked on load;
- :mod:`~loyaltysem.study.waves`: where the waves come from (files, a wave column, SQL);
- :mod:`~loyaltysem.study.chain`: one survey through screen, clean, validate, fit, effects;
- :mod:`~loyaltysem.study.run`: :func:`run_study` (``loyaltysem run``), every wave with
  failures isolated, resumable, in parallel on cores or a Dask cluster.
"""

from loyaltysem.study.config import TEMPLATE, Study, load_study
from loyaltysem.study.run import StudyResult, WaveOutcome, run_study

__all__ = ["TEMPLATE", "Study", "StudyResult", "WaveOutcome", "load_study", "run_study"]
