"""The measurement wing: whether the constructs are measured reliably and validly.

- :mod:`~loyaltysem.measurement.reliability`: Cronbach's alpha (raw, standardized,
  if-deleted, item-rest, Feldt CI), composite reliability and AVE;
- :mod:`~loyaltysem.measurement.polychoric`: thresholds, polychoric correlations and
  ordinal alpha for Likert items;
- :mod:`~loyaltysem.measurement.efa`: KMO, Bartlett, parallel analysis, exploratory
  factor analysis;
- :mod:`~loyaltysem.measurement.validity`: :func:`~loyaltysem.measurement.validity.validate`
  (CFA reliability, AVE, HTMT, Fornell-Larcker, common-method checks).

It sits above :mod:`loyaltysem.sem` (the confirmatory factor analysis is a SEM fit) and
:mod:`loyaltysem.pls` (rho_A). The public names are exported by :mod:`loyaltysem`.
"""
