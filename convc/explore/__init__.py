"""`convc explore SWEEP.toml -o DIR`: design-space exploration over target variants (docs/explore.md).

sweep.py reads the sweep file and expands its points; evaluate.py compiles and measures one
point (reusing the target-independent front of the pipeline); run.py schedules the points on
a local process pool or a Ray cluster and caches them; pareto.py writes the table, the Pareto
front and the page of plots.
"""
