"""Crease's network engine: pure NumPy, in the homework's conventions.

Columns are data points.  A batch of inputs ``X`` is d x b, one-hot targets
``Y`` are k x b, a linear module computes ``Z = W.T @ A + W0`` with ``W`` of
shape m x n and ``W0`` of shape n x 1.  Every docstring gives shapes in these
terms.  Nothing here imports the web side.

The forward pass is written seven times, each for a reason, and each is tied to
the modules (the homework's reference) by a test:

- ``modules.py`` (through ``Sequential``): the homework's API, the reference.
- ``fused.FusedStep``, a training run's step: one product per layer with the
  biases inside, over the flat parameter vector, for speed --
  ``tests/engine/test_fused.py::test_forward_loss_and_gradient_are_the_modules``.
- ``grid``'s evaluation, in blocks of points and float32 --
  ``tests/engine/test_grid.py::test_grid_agrees_with_a_plain_forward_pass``.
- The exported script's text (``export_scripts.py``), which a student runs
  without Crease -- ``tests/engine/test_export_scripts.py::test_numpy_scripts_predict_what_the_engine_predicts``.
- The notebook download's text (``export_modules.py``), which replays a run
  with the fused step's products, so that it ends at the same weights --
  ``tests/engine/test_export_notebook.py::test_replaying_every_notebook_gives_the_pages_curves_and_weights``.
- ``creases.hidden_preactivations``, the hidden layers at the training points
  in float64 for the dead units, with no model object --
  ``tests/engine/test_creases.py::test_preactivations_are_the_homework_modules_forward_pass``.
- The page's ``static/js/forward.js``, which moves a line while a weight is
  dragged, before the server answers --
  ``tests/browser/test_forward.py::test_the_pages_forward_pass_matches_the_engines``.
"""

from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import Identity, Linear, ReLU, Sigmoid, SoftMax, Tanh
from engine.sequential import Sequential

__all__ = ["Linear", "Tanh", "ReLU", "Sigmoid", "Identity", "SoftMax",
           "NLL", "SquaredLoss", "BinaryNLL", "Sequential"]
