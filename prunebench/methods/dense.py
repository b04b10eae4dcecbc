"""Plain training with no pruning: how the dense baselines every table starts from are trained."""
from prunebench.methods.base import Method, register


@register("dense")
class Dense(Method):
    """All hooks are no-ops."""

    trains_baselines = True
