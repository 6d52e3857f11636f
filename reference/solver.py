"""Solver: trains a classification model with minibatch gradient descent.

A model is any object with
- ``model.params``: dict mapping parameter names to arrays
- ``model.loss(X, y=None)``: scores (N, C) when y is None, else (loss, grads) with grads shaped like
  params.

Example::

    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=1, batch_size=50, print_every=20)
    solver.train()

``data`` holds X_train, y_train, X_val, y_val. After train(), ``model.params`` are the parameters
with the best validation accuracy, and ``loss_history``, ``train_acc_history`` and
``val_acc_history`` record the run. Minibatches and accuracy subsamples are drawn with
``np.random``, so ``np.random.seed`` makes a run repeatable.

Starter module: it imports only numpy, the standard library and ``optim``, so the grader can copy it
verbatim into a submission.
"""

import pickle
import time

import numpy as np

from . import optim


class Solver:
    """Minibatch training with one of the update rules in ``optim``, keeping the best parameters."""

    def __init__(
        self,
        model,
        data: dict,
        *,
        update_rule: str = "sgd",
        optim_config: dict | None = None,
        lr_decay: float = 1.0,
        batch_size: int = 100,
        num_epochs: int = 10,
        num_train_samples: int = 1000,
        num_val_samples: int | None = None,
        checkpoint_name: str | None = None,
        print_every: int = 10,
        verbose: bool = True,
    ) -> None:
        """
        Inputs:
        - model: see the module docstring
        - data: X_train (N_train, ...), y_train (N_train,), X_val (N_val, ...), y_val (N_val,)
        - update_rule: name of a function in ``optim`` (sgd, sgd_momentum, rmsprop, adam)
        - optim_config: hyperparameters for the update rule, copied for every parameter
        - lr_decay: the learning rate is multiplied by this after every epoch
        - batch_size: minibatch size
        - num_epochs: passes over the training data
        - num_train_samples, num_val_samples: how many examples (None: all) to measure accuracy on
        - checkpoint_name: if given, the state is pickled to "<name>_epoch_<e>.pkl" after each epoch
        - print_every: print the loss every this many iterations
        - verbose: print progress at all
        """
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        if not hasattr(optim, update_rule):
            raise ValueError(f'Invalid update_rule "{update_rule}"')
        self.update_rule = getattr(optim, update_rule)
        self.optim_config = dict(optim_config or {})
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.checkpoint_name = checkpoint_name
        self.print_every = print_every
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        """Set up the bookkeeping of a run; called by __init__."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        # Every parameter gets its own copy of the config, to hold its own running state.
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self) -> None:
        """One gradient update on a random minibatch (drawn with replacement)."""
        batch = np.random.choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            next_w, self.optim_configs[name] = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w

    def _save_checkpoint(self) -> None:
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None, batch_size: int = 100
    ) -> float:
        """Fraction of examples whose highest score is the label.

        Inputs: X (N, ...); y (N,); num_samples: if given and smaller than N, accuracy on a random
        subsample of that size; batch_size: examples scored at once.
        """
        N = X.shape[0]
        if num_samples is not None and num_samples < N:
            subset = np.random.choice(N, num_samples)
            X, y, N = X[subset], y[subset], num_samples
        predictions = [
            np.argmax(self.model.loss(X[start : start + batch_size]), axis=1)
            for start in range(0, N, batch_size)
        ]
        return float(np.mean(np.concatenate(predictions) == y))

    def _val_is_whole_train_split(self) -> bool:
        """Whether the val split is the training split itself and both accuracies use all of it
        (to overfit a few examples, say): then measuring it twice would only repeat the work."""
        N = self.X_train.shape[0]
        return (
            self.X_val is self.X_train
            and self.y_val is self.y_train
            and all(n is None or n >= N for n in (self.num_train_samples, self.num_val_samples))
        )

    def train(self) -> None:
        """Run the optimization, printing progress unless verbose is False."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        start = time.perf_counter()

        for t in range(num_iterations):
            self._step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}", flush=True)

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] = config.get("learning_rate", 1e-2) * self.lr_decay

            # Accuracy at the first iteration, the last one, and the end of every epoch.
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples
                )
                if self._val_is_whole_train_split():
                    val_acc = train_acc  # the same images, none subsampled: the same number
                else:
                    val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()
                if self.verbose:
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                        f"val_acc: {val_acc:f} ({time.perf_counter() - start:.1f} s)",
                        flush=True,
                    )
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        # Keep the parameters that did best on the validation set.
        if self.best_params:
            self.model.params = self.best_params
