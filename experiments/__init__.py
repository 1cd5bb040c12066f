"""How to ask many questions of the model: comparisons, sweeps, sensitivity, scenario discovery.

One job per module, lowest first:

- ``arms``: what an arm is (``baseline`` or interventions joined by ``+``) and its scenario.
- ``runner``: every arm x replicate run in memory on any ``concurrent.futures``-style executor,
  gathered into tables (``Runs``); ``process_pool``, forked on Linux.
- ``tasks``: one run as a small task (scenario reference and hash, settings, arm, replicate,
  seed) and ``run_task``, a pure function of it.
- ``dataset``: results streamed to a Parquet dataset, every part written atomically.
- ``sweep_runner``: tasks on serial, processes or Dask, a bounded window, resume, signals.
- ``experiment_file``: experiment files (YAML) validated with located messages.
- ``design``: a design's points (full factorial, Latin hypercube, Sobol, Morris via SALib).
- ``sweep``: an experiment file, run: points x arms x replicates as tasks on the runner.
- ``analysis``: means with 95% t-intervals, paired differences from baseline, the readings.
- ``sensitivity``: Sobol and Morris indices (SALib), index figures and heatmaps.
- ``discovery``: PRIM boxes where one arm beats another (EMA Workbench, optional).
- ``wins``: which arm wins where (shares of points, ties within noise) and which settings decide it.
- ``analyze``: a sweep folder's estimates, indices, boxes, wins and report.
- ``decomposition``: each arm's effect split by causal channel, switching channels off in turn
  (a difference of differences over paired replicates), as a table and Markdown.
- ``provenance``: what produced the results, enough to run them again.
- ``figures``: each figure built as a matplotlib Figure by one function, saved by another.
- ``document``: a tiny document model rendered to Markdown and HTML, escaping all text.
- ``store``: files staged and renamed into place all at once; Parquet, CSV and strict JSON.
- ``report``: the comparison report's content, and writing it with the tables and figures.
- ``comparison``: ``run_comparison`` (in memory, or streamed on the sweep runner) and the
  ``Comparison`` object the library API returns.

Nothing here is imported by a single run; importing this package imports none of its modules,
and the heavy libraries (matplotlib, SciPy's stats, PyArrow's Parquet, SALib, Dask, EMA
Workbench) load only where they are used.
"""
