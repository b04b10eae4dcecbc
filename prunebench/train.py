"""The one training loop every method runs through.

Per epoch: train (method hooks around each step), method's epoch-end update, scheduler step,
evaluation (accuracy of the weights as they are and, when a sparsity plan is given, after a trial
hard prune), then an atomic checkpoint holding everything a bit-identical resume needs: model,
optimizer, scheduler, method state, RNG states and the history so far.
"""
from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from prunebench.checkpoint import CheckpointError, load_checkpoint, save_atomic
from prunebench.config import CheckBudget, OptimizerConfig, RunConfig
from prunebench.data import DataSplits
from prunebench.data.base import Shard
from prunebench.memory_format import memory_format_for
from prunebench.methods import EpochContext, Method
from prunebench.optimizers import OPTIMIZERS
from prunebench.registry import Registry
from prunebench.sparsity import SparsityPlan, hard_prune, plan_parameters
from prunebench.tasks import Evaluation, task

FIXED_SUBSET_SIZE = 2048  # training samples (unaugmented) on which SLR's condition (3) and a final `train_loss_*` measure f


AUTOCAST_DTYPES = {"float32": None, "bf16": torch.bfloat16}  # RunConfig.precision -> torch.autocast's dtype

SCHEDULES: Registry[Callable[[torch.optim.Optimizer, OptimizerConfig, int], Any]] = Registry("lr schedule")
SCHEDULES.register("constant")(lambda opt, c, epochs: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0))
SCHEDULES.register("multistep")(
    lambda opt, c, epochs: torch.optim.lr_scheduler.MultiStepLR(opt, list(c.milestones), c.gamma)
)
SCHEDULES.register("cosine")(lambda opt, c, epochs: torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(epochs, 1)))


def mode_connectivity_factor(epoch: int, epochs: int) -> float:
    """lr factor of Garipov et al.'s train.py (used by the gRDA CIFAR runs) for training epoch `epoch`, counted
    from 1 as that code does: 1 up to 50% of the epochs, linear to 0.01 at 90%, then 0.01."""
    alpha = epoch / max(epochs, 1)
    if alpha <= 0.5:
        return 1.0
    return 1.0 - (alpha - 0.5) / 0.4 * 0.99 if alpha <= 0.9 else 0.01


SCHEDULES.register("mode_connectivity")(
    # LambdaLR passes the number of finished epochs, so the epoch about to be trained is that + 1
    lambda opt, c, epochs: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: mode_connectivity_factor(e + 1, epochs))
)


def one_cycle_factor(epoch: int, epochs: int) -> float:
    """lr factor for training epoch `epoch` (counted from 1) of a one-cycle schedule stepped per epoch: linear up to
    1 over the first 15 % of the epochs (at least one), then linear down to 1/(epochs left + 1) at the last."""
    warm = max(1, round(0.15 * epochs))
    if epoch <= warm:
        return epoch / warm
    return (epochs - epoch + 1) / (epochs - warm + 1)


SCHEDULES.register("onecycle")(
    lambda opt, c, epochs: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: one_cycle_factor(e + 1, epochs))
)


class DivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


@torch.no_grad()
def evaluate(
    model: nn.Module, source: Any, device: str = "cpu", memory_format: torch.memory_format = torch.contiguous_format
) -> Evaluation:
    """Top-1 / top-5 accuracy (%) and mean cross-entropy over a whole split, in eval mode."""
    was_training = model.training
    model.eval()
    correct1 = correct5 = 0
    loss = 0.0
    count = 0
    for x, y in source.batches(source.eval_batch):
        x, y = x.to(device, memory_format=memory_format), y.to(device)
        logits = model(x)
        loss += float(F.cross_entropy(logits, y, reduction="sum"))
        top = logits.topk(min(5, logits.shape[1]), dim=1).indices
        correct1 += int((top[:, 0] == y).sum())
        correct5 += int((top == y[:, None]).any(dim=1).sum())
        count += len(y)
    model.train(was_training)
    return Evaluation(100.0 * correct1 / count, 100.0 * correct5 / count, loss / count)


class Classification:
    """Cross-entropy training, top-1/top-5 evaluation (every image data set but TuSimple)."""

    loss = staticmethod(F.cross_entropy)
    evaluate = staticmethod(evaluate)

    @staticmethod
    def chance(classes: int) -> float:
        return 100.0 / classes


@torch.no_grad()
def evaluate_hard_pruned(
    model: nn.Module, plan: SparsityPlan, source: Any, device: str = "cpu",
    memory_format: torch.memory_format = torch.contiguous_format, evaluator: Callable[..., Evaluation] = evaluate,
) -> tuple[Evaluation, StateSnapshot]:
    """Accuracy (`evaluator`, default classification) after W <- Π_S(W), leaving the weights as they were; with the
    state it evaluated, so that a finalize applying the same plan can reuse the evaluation."""
    params = plan_parameters(model, plan)
    saved = [p.detach().clone() for p in params]
    hard_prune(model, plan)
    try:
        return evaluator(model, source, device, memory_format), StateSnapshot(model)
    finally:
        for p, s in zip(params, saved, strict=True):
            p.copy_(s)


def rng_state(generator: torch.Generator, device: torch.device) -> dict[str, Any]:
    """Every generator a resumed epoch draws from; on a GPU that includes the device's own (dropout masks)."""
    return {
        "data": generator.get_state(),
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        **({"cuda": torch.cuda.get_rng_state(device)} if device.type == "cuda" else {}),
    }


def restore_rng_state(generator: torch.Generator, state: dict[str, Any], device: torch.device) -> None:
    generator.set_state(state["data"])
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if device.type == "cuda" and "cuda" in state:  # a checkpoint written on the CPU has none
        torch.cuda.set_rng_state(state["cuda"], device)


def broadcast_buffers(model: nn.Module) -> None:
    """Rank 0's buffers (BN running statistics) to every rank. DDP sends them only at the start of each training
    forward, so each rank ends an epoch with the statistics of its own last shard: evaluations, and the method
    decisions made from them (SLR's loss conditions), would differ between ranks."""
    for buffer in model.buffers():
        torch.distributed.broadcast(buffer, src=0)


def state_digest(*states: Any) -> list[float]:
    """Two sums (plain and absolute, in float64) of every tensor and the value of every number in `states` (state
    dicts, nested): equal on every rank when the ranks hold the same state."""
    out: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            flat = value.detach().double()
            out.extend((float(flat.sum()), float(flat.abs().sum())))
        elif isinstance(value, dict):
            for key in sorted(value, key=str):
                walk(value[key])
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(float(value))

    for state in states:
        walk(state)
    return out


def check_ranks_agree(epoch: int, model: nn.Module, method: Method) -> None:
    """After an epoch under data parallelism: the model's and the method's state, compared across ranks. A drift
    (a decision one rank took on its own numbers) fails every rank at once, never silently and never by a hang."""
    mine = state_digest(model.state_dict(), method.state_dict())
    every = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(every, mine)
    differ = [rank for rank, theirs in enumerate(every) if theirs != every[0]]
    if differ:
        raise RuntimeError(f"epoch {epoch}: ranks {differ} hold a model or method state that differs from rank 0's "
                           "(data-parallel training drifted)")


def parallel(model: nn.Module, device: str) -> nn.Module:
    """`model` under DistributedDataParallel (its parameters stay `model`'s, so method hooks see them unchanged)."""
    from torch.nn.parallel import DistributedDataParallel

    on = torch.device(device)
    return DistributedDataParallel(model, device_ids=[on] if on.type == "cuda" else None)


class ShardOfEachBatch:
    """This process's part of every batch of `source`, counting the samples it gave: a data-parallel run evaluates
    each test image once, on one rank, instead of every rank decoding the whole split."""

    def __init__(self, source: Any, shard: Shard):
        self.source, self.shard, self.seen = source, shard, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)

    def __len__(self) -> int:
        return len(self.source)

    def batches(self, batch_size: int, generator: torch.Generator | None = None, shard: Shard | None = None):
        for x, y in self.source.batches(batch_size, generator, self.shard):
            self.seen += len(y)
            yield x, y


def sharded(evaluate: Callable[..., Evaluation], shard: Shard) -> Callable[..., Evaluation]:
    """`evaluate` on this rank's part of every batch, its means weighted by the samples each rank saw and summed
    over the ranks, so that every rank holds the same evaluation of the whole split (and takes the same decisions
    from it: an early stop, a method's loss condition)."""
    if shard[1] == 1:
        return evaluate

    def evaluate_shard(model: nn.Module, source: Any, device: str, memory_format: torch.memory_format) -> Evaluation:
        part = ShardOfEachBatch(source, shard)
        mine = evaluate(model, part, device, memory_format)
        sums = torch.tensor([mine.top1, mine.top5, mine.loss, 1.0], dtype=torch.float64, device=device) * part.seen
        torch.distributed.all_reduce(sums)
        return Evaluation(*(sums[:3] / sums[3]).tolist())

    return evaluate_shard


class StateSnapshot:
    """A copy of a model's state, to tell whether a step outside the loop (a method's setup or finalize) changed
    the weights: when it did not, a known evaluation of them still holds and a 10k-image pass is saved."""

    def __init__(self, model: nn.Module):
        self.tensors = [t.detach().clone() for t in model.state_dict().values()]

    def matches(self, model: nn.Module) -> bool:
        now = list(model.state_dict().values())
        return len(now) == len(self.tensors) and all(
            a.shape == b.shape and torch.equal(a, b) for a, b in zip(self.tensors, now, strict=True))


class Trainer:
    def __init__(
        self,
        model: nn.Module,
        splits: DataSplits,
        method: Method,
        config: RunConfig,
        checkpoint_path: Path,
        *,
        plan: SparsityPlan | None = None,
        device: str = "cpu",
        progress: bool = True,
        channels_last: bool | None = None,
        start_evaluation: Evaluation | None = None,
        budget: CheckBudget | None = None,
        shard: Shard = (0, 1),
        checkpoint_seconds: float = 0.0,
        compile_backend: str | None = None,
    ):
        """`start_evaluation`: the test evaluation of the weights the model starts from, when already known (the
        parent run's final one); used for epoch 0 unless the method's setup changes the weights. `shard`: (rank,
        world size) under torch.distributed; each process trains its part of every batch through
        DistributedDataParallel, which averages the gradients, and rank 0 alone writes the checkpoint.
        `checkpoint_seconds`: the least time between two checkpoints (`Operational.checkpoint_seconds`).
        `compile_backend`: the training forward through torch.compile; `self.model` (hooks, checkpoints, evaluation)
        stays the module itself."""
        self.checkpoint_seconds = checkpoint_seconds
        self.memory_format = memory_format_for(model, channels_last)
        self.model = model.to(device, memory_format=self.memory_format)
        self.shard = shard
        self.forward = model if shard[1] == 1 else parallel(model, device)
        if compile_backend is not None:
            self.forward = torch.compile(self.forward, backend=compile_backend)
        self.splits = splits
        self.method = method
        self.config = config
        self.checkpoint_path = Path(checkpoint_path)
        self.plan = plan or {}
        self.device = device
        self.progress = progress
        self.task = task(splits.info.task)  # loss and evaluation
        params = list(model.parameters())
        own = method.build_optimizer(model, config.optimizer)
        self.optimizer = own if own is not None else OPTIMIZERS.get(config.optimizer.name)(params, config.optimizer)
        self.scheduler = SCHEDULES.get(config.optimizer.schedule)(self.optimizer, config.optimizer, config.epochs)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.budget = budget
        subset = FIXED_SUBSET_SIZE if budget is None else min(FIXED_SUBSET_SIZE, budget.eval_images)
        self._fixed_subset = splits.train.fixed_subset(subset, seed=config.seed)
        self.history: list[dict[str, Any]] = []
        self._last_test: Evaluation | None = None  # the test split at the current weights, if evaluated since the last step
        self._last_hard_pruned: tuple[Evaluation, StateSnapshot] | None = None  # the test split at Π_S(weights), last epoch
        self._start_evaluation = start_evaluation

    def autocast(self) -> contextlib.AbstractContextManager:
        """Forward passes and losses in the run's precision (float32: no autocast at all)."""
        dtype = AUTOCAST_DTYPES[self.config.precision]
        return contextlib.nullcontext() if dtype is None else torch.autocast(torch.device(self.device).type, dtype=dtype)

    def evaluate(self, source: Any) -> Evaluation:
        with self.autocast():
            return sharded(self.task.evaluate, self.shard)(self.model, source, self.device, self.memory_format)

    def test_evaluation(self) -> Evaluation:
        """The test split at the weights `fit` left: the last epoch's evaluation when no step has run since
        (a 10k-image pass saved per run), else a new one. Call it before changing the weights outside the loop."""
        return self._last_test or self.evaluate(self.splits.test)

    def hard_pruned_evaluation(self, model: nn.Module) -> Evaluation | None:
        """The last epoch's test evaluation of the hard-pruned weights if `model` holds exactly those weights (a
        finalize that applies the plan to the last epoch's weights: SLR, ADMM), else None."""
        if self._last_hard_pruned is None:
            return None
        evaluation, evaluated = self._last_hard_pruned
        return evaluation if evaluated.matches(model) else None

    def fixed_subset_loss(self) -> float:
        return self.evaluate(self._fixed_subset).loss

    def training_batches(self, count: int):
        """`count` training minibatches in a fixed order, without touching the training RNG (OBD's
        Hessian estimate); the same for every arm of a seed. A check budget caps them at its steps per epoch."""
        if self.budget is not None:
            count = min(count, self.budget.steps_per_epoch)
        generator = torch.Generator().manual_seed(self.config.seed)
        for _, (x, y) in zip(range(count), self.splits.train.batches(self.config.batch_size, generator), strict=False):
            yield x.to(self.device, memory_format=self.memory_format), y.to(self.device)

    # -- one epoch --------------------------------------------------------------------------------
    def train_epoch(self, epoch: int) -> float:
        self._last_test = None
        self.model.train()
        source = self.splits.train
        size, world = self.config.batch_size, self.shard[1]
        batches = source.batches(size, self.generator, None if world == 1 else self.shard)
        total = source.num_batches(size)
        bar = tqdm(batches, total=total, desc=f"epoch {epoch}/{self.config.epochs}", disable=not self.progress, leave=False)
        loss_sum = torch.zeros((), device=self.device)
        steps = 0
        for x, y in bar:
            x = x.to(self.device, memory_format=self.memory_format, non_blocking=True)
            y = y.to(self.device, non_blocking=True)
            with self.autocast():
                loss = self.task.loss(self.forward(x), y)
            if world > 1:  # a shard's mean, weighted so that DDP's average of the gradients is the global batch's
                loss = loss * (len(y) * world / min(size, len(source) - steps * size))
            self.optimizer.zero_grad(set_to_none=False)
            loss.backward()
            self.method.after_backward(self.model)
            self.optimizer.step()
            self.method.after_step(self.model)
            loss_sum += loss.detach()
            steps += 1
            if self.method.should_stop() or (self.budget is not None and steps >= self.budget.steps_per_epoch):
                break
        self.last_epoch_steps = steps
        if world > 1:
            torch.distributed.all_reduce(loss_sum)
            loss_sum /= world
            broadcast_buffers(self.model)
        mean = float(loss_sum) / max(steps, 1)
        if not math.isfinite(mean):
            raise DivergedError(f"training loss is {mean} in epoch {epoch}")
        return mean

    def evaluate_epoch(self, known: Evaluation | None = None) -> dict[str, float]:
        self._last_test = known or self.evaluate(self.splits.test)
        result = {"test_top1": self._last_test.top1}
        if self.plan:
            with self.autocast():
                self._last_hard_pruned = evaluate_hard_pruned(
                    self.model, self.plan, self.splits.test, self.device, self.memory_format,
                    sharded(self.task.evaluate, self.shard))
            result["test_top1_hardprune"] = self._last_hard_pruned[0].top1
        return result

    # -- the loop ---------------------------------------------------------------------------------
    def fit(self) -> list[dict[str, Any]]:
        start = self._resume()
        if start == 0:
            initial = StateSnapshot(self.model) if self._start_evaluation else None
            self.method.setup(self.model, EpochContext(0, math.nan, self.fixed_subset_loss, self.training_batches,
                                                       self.config.epochs))
            unchanged = initial is not None and initial.matches(self.model)
            self.history.append({"epoch": 0, **self.evaluate_epoch(self._start_evaluation if unchanged else None)})
        last = self.config.epochs if self.budget is None else min(self.config.epochs, self.budget.epochs)
        saved = time.monotonic()
        for epoch in range(start + 1, last + 1):
            if self.stopped():
                break
            began = time.perf_counter()
            lr = self.optimizer.param_groups[0]["lr"]
            train_loss = self.train_epoch(epoch)
            trained = time.perf_counter() - began
            method_log = self.method.on_epoch_end(
                self.model, EpochContext(epoch, train_loss, self.fixed_subset_loss, epochs=self.config.epochs))
            if self.shard[1] > 1:
                check_ranks_agree(epoch, self.model, self.method)
            self.scheduler.step()
            record = {"epoch": epoch, "lr": lr, "train_loss": train_loss, "steps": self.last_epoch_steps, **method_log}
            due = self.config.eval_every and epoch % self.config.eval_every == 0
            if due or epoch == last:
                record.update(self.evaluate_epoch())
            record["seconds"], record["train_seconds"] = time.perf_counter() - began, trained
            self.history.append(record)
            if epoch == last or time.monotonic() - saved >= self.checkpoint_seconds:
                self._save(epoch)
                saved = time.monotonic()
        return self.history

    def stopped(self) -> bool:
        """The method has finished (GReg after stabilisation), or the run's stop criterion held at the
        last evaluated epoch (checked from the history, so a resumed run stops where an uninterrupted one did)."""
        if self.method.should_stop():
            return True
        gap = self.config.stop_within_start_top1
        if gap is None or not self.history or self.history[-1]["epoch"] == 0:
            return False
        threshold = self.history[0]["test_top1"] - gap
        return self.history[-1].get("test_top1_hardprune", -math.inf) >= threshold

    def _save(self, epoch: int) -> None:
        if self.shard[0] != 0:
            return
        save_atomic(
            {
                "epoch": epoch,
                "run_id": self.config.run_id,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "method": self.method.state_dict(),
                "rng": rng_state(self.generator, torch.device(self.device)),
                "history": self.history,
            },
            self.checkpoint_path,
        )

    def _resume(self) -> int:
        if not self.checkpoint_path.exists():
            return 0
        state = load_checkpoint(self.checkpoint_path)
        if state.get("run_id") != self.config.run_id:
            raise ValueError(f"{self.checkpoint_path} belongs to run {state.get('run_id')}, not {self.config.run_id}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        try:
            self.method.load_state_dict(state["method"])
        except KeyError as missing:
            raise CheckpointError(
                f"checkpoint {self.checkpoint_path} holds {self.config.method} state without {missing.args[0]!r}: it was "
                "written by an older prunebench; delete it to restart this run from scratch"
            ) from None
        self.method.to(self.device)  # the checkpoint was mapped to the CPU
        restore_rng_state(self.generator, state["rng"], torch.device(self.device))
        self.history = state["history"]
        return state["epoch"]
