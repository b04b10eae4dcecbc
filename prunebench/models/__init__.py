"""Model registry; importing the family modules here is what registers them."""

from prunebench.models import (  # noqa: F401
    cifar_resnet,
    densenet,
    he_resnet,
    imagenet_resnet,
    mobilenet,
    preact_resnet,
    ufld,
    vgg,
    vgg_nobn,
    wide_resnet,
)
from prunebench.models.registry import MODELS, build_model

__all__ = ["MODELS", "build_model"]
