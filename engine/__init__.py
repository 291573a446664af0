"""Crease's network engine: pure NumPy, in the homework's conventions.

Columns are data points.  A batch of inputs ``X`` is d x b, one-hot targets
``Y`` are k x b, a linear module computes ``Z = W.T @ A + W0`` with ``W`` of
shape m x n and ``W0`` of shape n x 1.  Every docstring gives shapes in these
terms.  Nothing here imports the web side.
"""

from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import Identity, Linear, ReLU, Sigmoid, SoftMax, Tanh
from engine.sequential import Sequential

__all__ = ["Linear", "Tanh", "ReLU", "Sigmoid", "Identity", "SoftMax",
           "NLL", "SquaredLoss", "BinaryNLL", "Sequential"]
