"""``rom batch``: many clips through the same pipeline, resumable, on one machine or a
Dask cluster.

- :mod:`rom.batch.manifest` reads the input (a folder of videos or a manifest CSV);
- :mod:`rom.batch.worker` analyses one clip in a worker (the model loaded once per worker);
- :mod:`rom.batch.pool` runs workers as local processes, :mod:`rom.batch.cluster` on a
  ``dask.distributed`` cluster (optional extra ``rom[distributed]``);
- :mod:`rom.batch.store` keeps each clip's result, written atomically as it finishes;
- :mod:`rom.batch.tables` builds ``results.parquet``/``.csv`` and ``errors.csv``;
- :mod:`rom.batch.run` chains them; :mod:`rom.batch.report` prints ``--summary``.

Nothing below :mod:`rom.pipeline` imports this package.
"""
