"""Closed-form networks: the achievable optimum built directly."""

from ._identity import identity
from ._interpolant import interpolant_1d
from ._lstsq import linear_lstsq
from ._pyramid import norm_pyramid, pyramid_angles
from ._spectrum import amplitude_spectrum, dft_matrix, polygon_gain
from ._zoo import for_task

__all__ = ["amplitude_spectrum", "dft_matrix", "for_task", "identity", "interpolant_1d", "linear_lstsq",
           "norm_pyramid", "polygon_gain", "pyramid_angles"]
