"""Model registry; importing the family modules here is what registers them."""

from prunebench.models import cifar_resnet, he_resnet, imagenet_resnet, mobilenet, vgg  # noqa: F401
from prunebench.models.registry import MODELS, build_model

__all__ = ["MODELS", "build_model"]
