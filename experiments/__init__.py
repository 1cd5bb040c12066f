"""How to ask many questions of the model: comparisons of interventions over paired replicates.

One job per module, lowest first:

- ``arms``: what an arm is (``baseline`` or interventions joined by ``+``) and its scenario.
- ``runner``: every arm x replicate run on any ``concurrent.futures``-style executor, gathered
  into tables (``Runs``).
- ``analysis``: means with 95% t-intervals, paired differences from baseline, the readings.
- ``provenance``: what produced the results, enough to run them again.
- ``figures``: each figure built as a matplotlib Figure by one function, saved by another.
- ``document``: a tiny document model rendered to Markdown and HTML, escaping all text.
- ``store``: files staged and renamed into place all at once; Parquet, CSV and strict JSON.
- ``report``: the report's content, and writing it with the tables and figures.
- ``comparison``: ``run_comparison`` and the ``Comparison`` object the library API returns.

Nothing here is imported by a single run; importing this package imports none of its modules,
and the comparison object loads matplotlib, SciPy's stats and PyArrow's Parquet only when used.
"""
