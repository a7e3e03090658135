"""The SEM wing: from lavaan syntax to a fitted model and everything built on it.

Read it in this order (each module imports only those above it in the list, and the
wings below it: :mod:`loyaltysem.survey`, :mod:`loyaltysem._kernels`):

- :mod:`~loyaltysem.sem.expressions`, :mod:`~loyaltysem.sem.specification`: lavaan syntax
  → :class:`~loyaltysem.sem.specification.ModelSpec` → the parameter table;
- :mod:`~loyaltysem.sem.polychoric`: thresholds and polychoric correlations (the sample
  statistics of ordered items);
- :mod:`~loyaltysem.sem.effects`, :mod:`~loyaltysem.sem.results`: the standardized
  solution, total and indirect effects; :class:`~loyaltysem.sem.results.SEMResult`;
- one block's sample statistics and what is computed from a fitted block:
  :mod:`~loyaltysem.sem.moments`, :mod:`~loyaltysem.sem.measures`,
  :mod:`~loyaltysem.sem.residuals`; ordered items: :mod:`~loyaltysem.sem.ordinal` (the
  WLSMV/ULSMV pipeline over G >= 1 blocks);
- the blocks: :mod:`~loyaltysem.sem.group_blocks` (data split into groups, or the one
  block of one group; equality constraints across groups;
  :class:`~loyaltysem.sem.group_blocks.MultiGroupResult`),
  :mod:`~loyaltysem.sem.ordinal_multigroup`, :mod:`~loyaltysem.sem.modindices`;
- :mod:`~loyaltysem.sem.engine`: the one pipeline of ML/MLM/MLR/FIML over G >= 1 blocks
  (one group is G = 1); its front ends :mod:`~loyaltysem.sem.single_group` (one group)
  and :mod:`~loyaltysem.sem.multigroup` (several);
- built on a fit: :mod:`~loyaltysem.sem.comparison` (nested-model tests),
  :mod:`~loyaltysem.sem.invariance` (measurement invariance),
  :mod:`~loyaltysem.sem.bootstrap`; :mod:`~loyaltysem.sem.guidance` (which estimator);
- :mod:`~loyaltysem.sem.dispatch`: :func:`loyaltysem.fit`, the one entry point.

The numeric work (objectives, gradients, information matrices, batched refits) is in
:mod:`loyaltysem._kernels`, numpy only. The public names are exported by
:mod:`loyaltysem`; import them from there.
"""
