"""The homework's part-6 experiments (``run_pytorch_2d``), in four modules:

- ``harness``: prepares the data and runs the trials in bounded chunks
  (``Experiment``, ``run_experiment``);
- ``summary``: one trial's numbers and the summary over trials
  (``merge_results`` joins parts run in parallel);
- ``cli``: the command line, ``python -m engine.experiment`` (``__main__``).

The package imports none of them, so each is loaded only where it is used.
"""
