"""Where a model runs: board files (:mod:`.boards`) and the target they imply (:mod:`.target`)."""
