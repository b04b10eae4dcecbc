"""A CUDA stand-in for machines without a GPU: tensors that hold CPU data but report `cuda:0`, so a whole run —
setup, steps, epoch ends, finalize, summary, checkpoint, resume — executes with real values, while every op that
mixes them with CPU tensors fails as CUDA fails it.

What it sees, as CUDA would: an op given tensors of both devices ("Expected all tensors to be on the same
device"; a 0-dim CPU tensor is a scalar and allowed, as on CUDA); `.numpy()` of a device tensor; random draws from
a device generator of their own (`torch.cuda.manual_seed`, `get_rng_state`, `set_rng_state` reach it), so a
checkpoint that forgets the CUDA generator resumes with other dropout masks. It counts the host's waits for the
device (`.item()`, `.cpu()`, `.tolist()`, a CPU index into a device tensor, ops whose output size depends on the
data): `transfers`; and the copies from host to device: `uploads`.

What it cannot see: kernels (cuDNN choices, TF32, nondeterministic atomics), memory, speed, streams and
asynchrony (every transfer here is synchronous), and code that calls the CUDA runtime directly (it is patched to
report one device). `torch.cuda.is_available()` is True inside it.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from unittest import mock

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

DEVICE = torch.device("cuda", 0)
CPU = torch.device("cpu")
TO_COPY = torch.ops.aten._to_copy.default
COPIES = {torch.ops.aten.copy_.default, TO_COPY}
TO_HOST = {torch.ops.aten._local_scalar_dense.default}
# ops that take CPU index tensors for a CUDA tensor, as CUDA does (copying them over, a synchronisation)
INDEXING = {torch.ops.aten.index.Tensor, torch.ops.aten.index_put_.default, torch.ops.aten.index_put.default,
            torch.ops.aten._index_put_impl_.default}
transfers: Counter[str] = Counter()  # device -> host copies since the last `transfers.clear()`, by kind
uploads: Counter[str] = Counter()  # host -> device copies since the last `uploads.clear()`, by kind


class DeviceTensor(torch.Tensor):
    """CPU data (`.cpu_data`) that reports DEVICE."""

    cpu_data: torch.Tensor
    __torch_function__ = torch._C._disabled_torch_function_impl  # results are what the dispatch made, never re-cast

    @staticmethod
    def __new__(cls, data: torch.Tensor, requires_grad: bool = False):
        # as PyTorch's fake tensors do: a meta tensor underneath, so C++ device guards never reach a CUDA driver, with
        # CUDA's dispatch keys (autograd, autocast) and `.device` reporting DEVICE
        shell = torch.empty_strided(data.shape, data.stride(), dtype=data.dtype, device="meta")
        made = torch.Tensor._make_subclass(cls, shell, requires_grad, dispatch_device=True,
                                           device_for_backend_keys=DEVICE)
        made.cpu_data = data
        return made

    @property
    def device(self) -> torch.device:
        return DEVICE

    def __repr__(self, *, tensor_contents=None) -> str:
        return f"DeviceTensor({self.cpu_data!r})"

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs or {})

    def numpy(self, *args, **kwargs):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                        "host memory first.")

    def tolist(self):
        transfers["tolist"] += 1
        return self.cpu_data.tolist()

    # Python numbers from a device tensor: torch's own path would open a CUDA device guard
    def item(self):
        transfers["item"] += 1
        return self.cpu_data.item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def __index__(self):
        return int(self.item())


class _DeviceGenerator:
    """The stand-in's CUDA generator: random ops on device tensors draw from it, not from the CPU generator."""

    def __init__(self) -> None:
        self.state = torch.Generator().manual_seed(0).get_state()

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        cpu_state = torch.get_rng_state()
        torch.set_rng_state(self.state)
        try:
            yield
        finally:
            self.state = torch.get_rng_state()
            torch.set_rng_state(cpu_state)

    def manual_seed(self, seed: int) -> None:
        self.state = torch.Generator().manual_seed(int(seed)).get_state()


GENERATOR = _DeviceGenerator()


def _is_device(value) -> bool:
    return isinstance(value, (str, torch.device)) and torch.device(value).type == "cuda"


def _dispatch(func, args, kwargs):
    devices: set[str] = set()

    def unwrap(t):
        if isinstance(t, DeviceTensor):
            devices.add("cuda")
            return t.cpu_data
        if isinstance(t, torch.Tensor) and not (t.dim() == 0 and t.device.type == "cpu"):
            devices.add(t.device.type)
        return t

    args, kwargs = tree_map(unwrap, args), tree_map(unwrap, kwargs)
    made_on_device = _is_device(kwargs.get("device"))
    if made_on_device:
        kwargs["device"] = CPU
    if func in INDEXING and len(devices) > 1:
        transfers["cpu index"] += 1
    elif len(devices) > 1 and func not in COPIES:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, cuda:0 "
                           f"and cpu! (in {func})")
    if func is TO_COPY and "cuda" in devices and kwargs.get("device") is not None and not made_on_device:
        transfers["cpu"] += 1  # device -> host
        return func(*args, **kwargs)
    if func in TO_HOST and "cuda" in devices:
        transfers["item"] += 1
    if torch.Tag.dynamic_output_shape in func.tags and "cuda" in devices:
        transfers["data-dependent shape"] += 1  # nonzero, masked_select, unique: the host waits for the size
    seeded = torch.Tag.nondeterministic_seeded in func.tags and ("cuda" in devices or made_on_device)
    with GENERATOR.active() if seeded else contextlib.nullcontext():
        out = func(*args, **kwargs)
    if func in TO_HOST or not ("cuda" in devices or made_on_device):
        return out
    if func is torch.ops.aten.copy_.default:  # in place into a device tensor: the result is that tensor
        return args[0] if not isinstance(out, torch.Tensor) else _wrap(out)
    return tree_map(_wrap, out)


def _wrap(t):
    return DeviceTensor(t) if isinstance(t, torch.Tensor) and not isinstance(t, DeviceTensor) else t


class _Mode(TorchDispatchMode):
    """Factory ops asked for `device="cuda"` make device tensors; it holds the slot of PyTorch's fake mode, whose
    presence tells torch not to initialise a CUDA driver."""

    _mode_key = torch._C._TorchDispatchModeKey.FAKE

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs or {})


_plain_to = torch.Tensor.to


def _to(self, *args, **kwargs):
    """`Tensor.to` onto the device from a CPU tensor: PyTorch's own path would initialise a CUDA driver first."""
    target = next((a for a in (*args, kwargs.get("device")) if isinstance(a, (str, torch.device, torch.Tensor))), None)
    target = target.device if isinstance(target, torch.Tensor) else target
    if isinstance(self, DeviceTensor) and target is not None and not _is_device(target):  # to the host, then as asked
        return _plain_to(_to_host(self), *args, **kwargs)
    if isinstance(self, DeviceTensor):  # already there: only a dtype or layout may change
        args = tuple(None if isinstance(a, (str, torch.device)) else a for a in args)
        kwargs = {k: v for k, v in kwargs.items() if k != "device"}
        return _plain_to(self, *args, **kwargs) if any(args) or any(kwargs.values()) else self
    if not _is_device(target):
        return _plain_to(self, *args, **kwargs)
    host_args = tuple(CPU if isinstance(a, (str, torch.device)) else a.dtype if isinstance(a, torch.Tensor) else a
                      for a in args)
    out = _plain_to(self, *host_args, **{**kwargs, **({"device": CPU} if "device" in kwargs else {})})
    uploads["to"] += 1
    return DeviceTensor((out.clone() if out is self else out).detach(), requires_grad=self.requires_grad)


def _to_host(tensor: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`.cpu()`: a device -> host copy (C++ would see the CPU data underneath and copy nothing)."""
    if not isinstance(tensor, DeviceTensor):
        return _plain_cpu(tensor, *args, **kwargs)
    transfers["cpu"] += 1
    return tensor.cpu_data.clone()


_plain_cpu = torch.Tensor.cpu


def _factory(make):
    def made(*args, device=None, **kwargs):
        if _is_device(device):
            return DeviceTensor(make(*args, **kwargs))
        return make(*args, device=device, **kwargs)
    return made


def _device_apply(module: torch.nn.Module, fn, recurse: bool = True) -> torch.nn.Module:
    """`Module._apply` (what `.to`, `.cuda`, `.float` run) that registers new parameters and buffers made by `fn`:
    PyTorch's own sets a CPU Parameter's `.data` to the device tensor, which a tensor subclass cannot be, and its
    swapping mode refuses parameters that an autograd graph still references (a pruner's traced forward)."""
    if recurse:
        for child in module.children():
            _device_apply(child, fn)
    for name, param in module._parameters.items():
        if param is not None:
            moved = torch.nn.Parameter(fn(param.detach()), requires_grad=param.requires_grad)
            moved.grad = None if param.grad is None else fn(param.grad)
            module._parameters[name] = moved
    for name, buffer in module._buffers.items():
        if buffer is not None:
            module._buffers[name] = fn(buffer)
    return module


@contextlib.contextmanager
def cuda_standin() -> Iterator[None]:
    """Inside: `cuda` tensors are device tensors of the stand-in and torch.cuda reports one device."""
    patches = {
        "torch.Tensor.to": _to, "torch.Tensor.cuda": lambda self, *a, **k: _to(self, DEVICE),
        "torch.Tensor.cpu": _to_host,
        "torch.tensor": _factory(torch.tensor), "torch.as_tensor": _factory(torch.as_tensor),
        "torch.cuda.is_available": lambda: True, "torch.cuda.device_count": lambda: 1,
        "torch.cuda.get_rng_state": lambda device="cuda": GENERATOR.state.clone(),
        "torch.cuda.set_rng_state": lambda state, device="cuda": setattr(GENERATOR, "state", state.clone()),
        "torch.cuda.manual_seed": GENERATOR.manual_seed, "torch.cuda.manual_seed_all": GENERATOR.manual_seed,
        "torch.cuda.synchronize": lambda device=None: None,
        "torch.cuda.get_device_name": lambda device=None: "CUDA stand-in",
        "torch.cuda.get_device_capability": lambda device=None: (9, 0),
        "torch.nn.Module._apply": _device_apply,
        "torch.Tensor.pin_memory": lambda self, *a, **k: self.clone(),  # page-locking is the host's business
        # asks the CUDA runtime whether a graph is being captured: none is
        "torch.optim.Optimizer._accelerator_graph_capture_health_check": lambda self: None,
    }
    with contextlib.ExitStack() as stack:
        for target, replacement in patches.items():
            stack.enter_context(mock.patch(target, replacement))
        stack.enter_context(torch.backends.cudnn.flags(enabled=False))  # composite ops pick kernels that run on CPU
        GENERATOR.manual_seed(0)
        transfers.clear()
        uploads.clear()
        stack.enter_context(_Mode())
        yield
