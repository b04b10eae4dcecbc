"""ADMM / SLR pruning of an ultralytics YOLO model, driven through ultralytics' own trainer and callbacks (no fork).

The same `prunebench.methods` objects as every other table run; what ultralytics offers in place of our Trainer:
- on_train_start: the sparsity plan (a prune set and one ratio) on `trainer.model`, the method's setup (Z⁰ = Π_S(W⁰)),
  a fixed set of training batches for SLR's f (val-mode loader: no mosaic, no shuffle), and the penalty hook;
- the penalty gradient ρ(W − Z + U) is added to the planned weights' gradients just before each optimizer step
  (the trainer's `optimizer_step`, wrapped on this trainer instance; times the AMP loss scale when AMP is on, since
  the gradients are still scaled there). ultralytics multiplies its loss by the batch size and accumulates
  gradients to a nominal batch of 64: the penalty is added once per optimizer step, unscaled;
- on_train_batch_end: the method's after-step hook (re-masking; a no-op for ADMM/SLR);
- on_train_epoch_end: the Z / multiplier update (`Method.on_epoch_end`), logged per update;
- on_fit_epoch_end: every `eval_every` epochs, mAP of the hard-pruned EMA weights (ultralytics validates and saves
  the EMA model), restored afterwards.
Nothing here imports ultralytics; the run kind that trains (`prunebench.detection.run`) sets `YOLO_OFFLINE=1`
before it does, so it never tries the network (weights come from the user's files, plots that would fetch a font
are off).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from prunebench.methods import METHODS, EpochContext, Method
from prunebench.sparsity import hard_prune, plan_parameters, uniform_plan

FIXED_BATCHES = 4  # training batches on which SLR's f is measured (eval mode, no augmentation)
MAP50 = "metrics/mAP50(B)"


def loss_total(items: Any) -> float:
    """The sum of ultralytics' per-image loss components (a dict of them in 8.4, a tensor in older releases)."""
    values = items.values() if isinstance(items, dict) else [items]
    return float(sum(torch.as_tensor(v).sum() for v in values))


@dataclass
class LagrangianCallbacks:
    method: str  # a registered method: "admm" or "slr"
    prune_rule: str
    ratio: float
    options: dict[str, Any] = field(default_factory=dict)
    eval_every: int = 0  # epochs between hard-prune validations (0: none during training)
    pruner: Method | None = None
    plan: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)  # per epoch: loss, hard-prune mAP50
    _fixed: list[dict] = field(default_factory=list)

    def attach(self, yolo: Any) -> None:
        for event, hook in (("on_train_start", self.on_train_start), ("on_train_batch_end", self.on_train_batch_end),
                            ("on_train_epoch_end", self.on_train_epoch_end), ("on_fit_epoch_end", self.on_fit_epoch_end)):
            yolo.add_callback(event, hook)

    # -- callbacks ---------------------------------------------------------------------------------
    def on_train_start(self, trainer: Any) -> None:
        model = trainer.model
        trainable = {name for name, p in model.named_parameters() if p.requires_grad}  # ultralytics freezes the DFL conv
        self.plan = {n: r for n, r in uniform_plan(model, self.prune_rule, self.ratio).items() if n in trainable}
        self.pruner = METHODS.get(self.method).from_dict(self.options, self.plan)
        loader = trainer.get_dataloader(trainer.data["train"], batch_size=trainer.batch_size, rank=-1, mode="val")
        self._fixed = [batch for _, batch in zip(range(FIXED_BATCHES), loader, strict=False)]
        self.pruner.setup(model, EpochContext(0, math.nan, lambda: self.fixed_loss(trainer)))
        step = trainer.optimizer_step
        weights = plan_parameters(model, self.plan)

        def optimizer_step() -> None:
            scale = float(trainer.scaler.get_scale()) if trainer.scaler.is_enabled() else 1.0
            with torch.no_grad():
                torch._foreach_add_([w.grad for w in weights], self.pruner.penalty_gradient(weights), alpha=scale)
            step()

        trainer.optimizer_step = optimizer_step

    def on_train_batch_end(self, trainer: Any) -> None:
        self.pruner.after_step(trainer.model)

    def on_train_epoch_end(self, trainer: Any) -> None:
        mean_loss = loss_total(trainer.tloss) if trainer.tloss is not None else math.nan
        epoch = trainer.epoch + 1
        logged = self.pruner.on_epoch_end(trainer.model, EpochContext(epoch, mean_loss, lambda: self.fixed_loss(trainer)))
        self.history.append({"epoch": epoch, "train_loss": mean_loss, **logged})

    def on_fit_epoch_end(self, trainer: Any) -> None:
        epoch = trainer.epoch + 1
        if self.eval_every and (epoch % self.eval_every == 0 or epoch == trainer.epochs):
            self.history[-1]["map50_hardprune"] = self.hard_prune_map50(trainer)

    def summary(self) -> dict[str, Any]:
        """What a cached run keeps: the plan, the per-epoch history, the method's log and summary scalars."""
        return {"plan": self.plan, "history": self.history, "log": self.pruner.log, **self.pruner.summary()}

    # -- measurements ------------------------------------------------------------------------------
    @torch.no_grad()
    def fixed_loss(self, trainer: Any) -> float:
        """ultralytics' detection loss (sum of its components, per image) on the fixed batches, eval mode."""
        model = trainer.model
        was_training = model.training
        model.eval()
        total = 0.0
        for batch in self._fixed:
            _, items = model.loss(trainer.preprocess_batch(dict(batch)))
            total += loss_total(items)
        model.train(was_training)
        return total / max(len(self._fixed), 1)

    @torch.no_grad()
    def hard_prune_map50(self, trainer: Any) -> float:
        """mAP@0.5 of the EMA weights after Π_S, leaving the EMA weights and the trainer's best fitness as they were."""
        ema = trainer.ema.ema
        saved = [w.detach().clone() for w in plan_parameters(ema, self.plan)]
        best = trainer.best_fitness
        hard_prune(ema, self.plan)
        try:
            metrics, _ = trainer.validate()
        finally:
            for w, s in zip(plan_parameters(ema, self.plan), saved, strict=True):
                w.copy_(s)
            trainer.best_fitness = best
        return float(metrics[MAP50]) * 100.0 if metrics else math.nan
