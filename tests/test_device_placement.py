"""Every method keeps its state on the device of the parameters it belongs to — at setup, and after a resume from
a CPU-mapped checkpoint — tested without a GPU on PyTorch's `meta` device, which, like CUDA, refuses an op that
mixes its tensors with CPU tensors. Parametrized over the METHODS registry: a new method must add its example
options below, or this test fails."""
from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from prunebench.methods import METHODS, EpochContext
from prunebench.models import build_model
from prunebench.sparsity import uniform_plan

pytestmark = pytest.mark.unit

FILTERS = "[1-15:0.5]"  # VGG19's convs 1..15 at half their filters
EXAMPLES = {  # method -> (options, unstructured prune set or None)
    "admm": ({"rho": 0.1}, "convs_except_stem"),
    "slr": ({}, "convs_except_stem"),
    "dense": ({}, None),
    "finetune": ({}, None),
    "sgd": ({}, None),
    "grda": ({"c": 0.001, "mu": 0.6}, None),  # builds its own optimizer (OPTIMIZER_NAMES)
    "magnitude": ({}, "convs_except_stem"),
    "magnitude_global": ({"sparsity": 0.5}, None),
    "imp": ({"rounds": 1}, "convs_except_stem"),
    "greg1": ({"ratios": FILTERS, "update_interval": 1, "stabilize_iterations": 1}, None),
    "greg2": ({"ratios": FILTERS, "update_interval": 1, "stabilize_iterations": 1, "recover_lambda": -1e-4}, None),
    "oneshot": ({"ratios": FILTERS}, None),
    "network_slimming": ({"percent": 0.5}, None),
    "proximal_slimming": ({}, None),
}
OPTIMIZER_NAMES = {"grda": "grda"}  # the optimizer config a method that builds its own optimizer asks for
DATA_ACCESS = ("cannot copy out of meta", "cannot be called on meta", "meta tensors", "not implemented for 'meta'")


def model(device: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("vgg19_bn_cifar", in_channels=1, num_classes=4, width=0.0625).to(device)


def method_for(name: str, net: torch.nn.Module):
    options, prune_set = EXAMPLES[name]
    plan = uniform_plan(net, prune_set, 0.5) if prune_set else {}
    return METHODS.get(name).from_dict(options, plan)


def batches(count: int, device: str = "cpu"):
    generator = torch.Generator().manual_seed(1)
    for _ in range(count):
        yield (torch.randn(8, 1, 16, 16, generator=generator).to(device),
               torch.randint(0, 4, (8,), generator=generator).to(device))


def context(epoch: int, device: str = "cpu") -> EpochContext:
    return EpochContext(epoch, 1.0, lambda: 1.0, lambda n: batches(n, device), epochs=4)


def held_tensors(value, path="method"):
    """(where, tensor) for every tensor a method holds, as Method.to walks them."""
    if isinstance(value, torch.Tensor):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from held_tensors(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from held_tensors(v, f"{path}[{k!r}]")
    elif hasattr(value, "NOT_STATE"):
        for k, v in vars(value).items():
            if k not in value.NOT_STATE:
                yield from held_tensors(v, f"{path}.{k}")


def optimizer_for(name: str, method, net):
    """What the trainer does at construction: the method's own optimizer if it builds one, else plain SGD."""
    from prunebench.config import OptimizerConfig

    config = OptimizerConfig(OPTIMIZER_NAMES.get(name, "sgd"), lr=0.01)
    return method.build_optimizer(net, config) or torch.optim.SGD(net.parameters(), lr=0.01)


def train_steps(name: str, method, net, steps: int = 2, device: str = "cpu") -> None:
    optimizer = optimizer_for(name, method, net)
    for x, y in batches(steps, device):
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(net(x), y).backward()
        method.after_backward(net)
        optimizer.step()
        method.after_step(net)


def hooks_on_meta(method, net) -> None:
    """after_backward / after_step with meta gradients: a CPU tensor in the method's state fails here as on CUDA;
    only ops that need the data (which meta has not) are allowed to fail."""
    for p in net.parameters():
        p.grad = torch.zeros_like(p)
    for hook in (method.after_backward, method.after_step):
        try:
            hook(net)
        except (RuntimeError, NotImplementedError) as error:
            message = str(error).lower()
            if "device" in message or not any(s in message for s in DATA_ACCESS):
                raise


def assert_on_meta(method) -> None:
    elsewhere = [(where, t.device) for where, t in held_tensors(method) if t.device.type != "meta"]
    assert not elsewhere, f"state off the parameters' device: {elsewhere[:5]}"


def test_every_registered_method_has_an_example():
    assert set(EXAMPLES) == set(METHODS.names())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_state_restored_from_a_cpu_checkpoint_lives_on_the_parameters_device(name):
    net = model("cpu")
    method = method_for(name, net)
    method.setup(net, context(0))
    train_steps(name, method, net)
    method.on_epoch_end(net, context(1))
    saved = copy.deepcopy(method.state_dict())  # what a CPU-mapped checkpoint gives back

    meta = model("meta")
    if method.structure():  # the run rebuilds the narrowed model before it loads weights
        pytest.skip("filters were removed: the narrowed model is rebuilt from structure.json, not resumed")
    restored = method_for(name, meta)
    optimizer_for(name, restored, meta)
    restored.load_state_dict(saved)
    restored.to("meta")  # what the trainer does after load_state_dict
    assert_on_meta(restored)
    hooks_on_meta(restored, meta)
    assert_on_meta(restored)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_state_created_at_setup_lives_on_the_parameters_device(name):
    meta = model("meta")
    method = method_for(name, meta)
    optimizer_for(name, method, meta)
    try:
        method.setup(meta, context(0, "meta"))
    except (RuntimeError, NotImplementedError) as error:
        message = str(error).lower()
        if "device" in message or not any(s in message for s in DATA_ACCESS):
            raise
        pytest.skip(f"{name}'s setup reads weight values, which the meta device does not hold ({error})")
    assert_on_meta(method)
    hooks_on_meta(method, meta)
    assert_on_meta(method)


def test_the_trainer_moves_a_resumed_methods_state_to_its_device():
    """Resume maps the checkpoint to the CPU; Trainer._resume must hand the method back to the model's device."""
    import inspect

    from prunebench.train import Trainer

    source = inspect.getsource(Trainer._resume)
    assert source.index("self.method.load_state_dict") < source.index("self.method.to(self.device)")


def test_the_lanes_task_loss_and_decoding_stay_on_the_outputs_device():
    from prunebench.lanes import task

    output = torch.zeros(2, task.GRIDING + 1, task.ANCHORS, task.LANES, device="meta")
    target = torch.zeros(2, task.TARGET_ROWS, task.ANCHORS, device="meta")
    assert task.TuSimpleLanes.loss(output, target).device.type == "meta"
    with pytest.raises((RuntimeError, NotImplementedError)) as error:  # reading the lanes out needs the data,
        task.lanes_from_logits(output[0])
    assert "device" not in str(error.value)  # but every op before it ran on the meta device, no CPU tensor mixed in
