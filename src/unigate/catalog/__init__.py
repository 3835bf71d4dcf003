"""The catalogue: features, subfeatures, their input/output models and model-string parsing.

This package imports nothing else of unigate; everything else may import it.
"""

from unigate.catalog.modelstring import ModelRef, parse_model_string
from unigate.catalog.registry import (
    Subfeature,
    all_subfeatures,
    get_subfeature,
    register,
)

__all__ = [
    "ModelRef",
    "Subfeature",
    "all_subfeatures",
    "get_subfeature",
    "parse_model_string",
    "register",
]
