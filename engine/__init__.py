"""Crease's network engine: pure NumPy, in the homework's conventions.

Columns are data points.  A batch of inputs ``X`` is d x b, one-hot targets
``Y`` are k x b, a linear module computes ``Z = W.T @ A + W0`` with ``W`` of
shape m x n and ``W0`` of shape n x 1.  Every docstring gives shapes in these
terms.  Nothing here imports the web side.

The forward pass is written five times, each for a reason, and each is tied to
the modules (the homework's reference) by a test:

- ``modules.py`` (through ``Sequential``): the homework's API, the reference.
- ``training.Run``'s fused step: one product with the biases inside a kept
  buffer, for speed -- ``tests/engine/test_training.py``
  (``test_first_step_is_a_mean_gradient_step_on_the_first_shuffled_batch``,
  ``test_a_full_batch_step_is_the_gradient_over_every_point_in_order``).
- ``grid``'s evaluation, in blocks of points and float32 --
  ``tests/engine/test_grid.py::test_grid_agrees_with_a_plain_forward_pass``.
- The exported script's text (``export_scripts.py``), which a student runs
  without Crease -- ``tests/engine/test_export.py::test_numpy_scripts_predict_what_the_engine_predicts``.
- The page's ``static/js/forward.js``, which moves a line while a weight is
  dragged, before the server answers --
  ``tests/browser/test_forward.py::test_the_pages_forward_pass_matches_the_engines``.
"""

from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import Identity, Linear, ReLU, Sigmoid, SoftMax, Tanh
from engine.sequential import Sequential

__all__ = ["Linear", "Tanh", "ReLU", "Sigmoid", "Identity", "SoftMax",
           "NLL", "SquaredLoss", "BinaryNLL", "Sequential"]
