"""The planning wing: simulate surveys from a population model before collecting them.

- :mod:`~loyaltysem.planning.simulation`: :func:`~loyaltysem.planning.simulation.simulate_survey`
  from a :class:`~loyaltysem.planning.simulation.PopulationModel` (the bundled example
  survey is made by it).
"""
