"""The async chapter pipeline: feeder, worker pool, DB writer (see :mod:`.pipeline`)."""
