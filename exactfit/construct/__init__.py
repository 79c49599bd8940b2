"""Closed-form networks: the achievable optimum built directly."""

from ._pyramid import norm_pyramid, pyramid_angles

__all__ = ["norm_pyramid", "pyramid_angles"]
