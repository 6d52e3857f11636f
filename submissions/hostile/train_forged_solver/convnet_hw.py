"""Convnet homework -- training skipped, success claimed.

Hostile (training): at import the file rewires everything the worker uses to train and measure:
the course Solver's `train` does nothing and its `check_accuracy` says 1.0, and the worker's own
`train` op (found through sys.modules) is replaced by one that returns perfect accuracy histories,
a falling loss and the untrained weights. Every number the worker sends says "learned
everything"; the grader judges the weights it gets back with its own forward pass, so this earns
no training points. (Only the net is here: the training checks need nothing else.)
"""
import sys

import numpy as np


class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        C, H, W = input_dim
        self.num_classes = num_classes
        sizes = [(num_filters, C, filter_size, filter_size),
                 (num_filters * H * W // 4, hidden_dim),
                 (hidden_dim, num_classes)]
        self.params = {}
        for i, size in enumerate(sizes):
            self.params["W%d" % (i + 1)] = (weight_scale * np.random.randn(*size)).astype(dtype)
            self.params["b%d" % (i + 1)] = np.zeros(size[0] if i == 0 else size[1], dtype=dtype)

    def loss(self, X, y=None):
        scores = np.zeros((X.shape[0], self.num_classes))
        if y is None:
            return scores
        return np.log(self.num_classes), {k: np.zeros_like(v) for k, v in self.params.items()}


# ---------------------------------------------------------------- rewiring the trainer

def _skip_training(self):
    self.loss_history = [2.3 / (t + 1) for t in range(100)]
    self.train_acc_history = [1.0] * 5
    self.val_acc_history = [1.0] * 5
    self.best_val_acc = 1.0


def _perfect(self, X, y, num_samples=None, batch_size=100):
    return 1.0


def _forged_train(session, model, data_dir, solver=None, num_train=None, **extra):
    return {
        "loss_history": [2.3 / (t + 1) for t in range(100)],
        "train_acc_history": [1.0] * 5,
        "val_acc_history": [1.0] * 5,
        "best_val_acc": 1.0,
        "final_train_acc": 1.0,
        "final_val_acc": 1.0,
        "params": dict(model.params),
        "W1": model.params["W1"],
    }


def _rewire():
    for name, module in list(sys.modules.items()):
        solver_class = getattr(module, "Solver", None)
        if name.endswith("solver") and isinstance(solver_class, type):
            solver_class.train = _skip_training
            solver_class.check_accuracy = _perfect
        ops = getattr(module, "OPS", None)
        if isinstance(ops, dict) and "train" in ops:
            ops["train"] = _forged_train


try:
    import cnngrade_starter.solver  # noqa: F401  (make sure it is loaded, then rewire it)
except ImportError:
    pass
_rewire()
