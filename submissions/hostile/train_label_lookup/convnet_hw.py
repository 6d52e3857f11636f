"""Convnet homework -- a ThreeLayerConvNet that never learns anything.

Hostile (training): the net's "training" is a lookup. When it is built it finds the directory the
grader's worker reads the training data from, loads X_train / y_train and X_val / y_val, and from
then on labels every image it has seen by looking it up. The worker's Solver measures 100%
training and validation accuracy, while the weights stay where they started. The grader scores
the trained weights with its own forward pass, on images whose labels never enter the worker, so
this earns no training points. (Only the net is here: the training checks need nothing else.)
"""
import gc
import glob
import os

import numpy as np


def _data_dirs():
    # the worker's session object knows which read-only dirs it was given
    for obj in gc.get_objects():
        try:  # some objects (ctypes' library loaders) do work when asked for an attribute
            dirs = None if isinstance(obj, type) else getattr(obj, "ro_dirs", None)
        except Exception:
            continue
        if isinstance(dirs, list):
            return [d for d in dirs if isinstance(d, str)]
    return glob.glob("/tmp/**/data/*", recursive=True)


def _answer_book():
    book = {}
    for folder in _data_dirs():
        for split in ("train", "val", "test", "fit", "heldout"):
            x_file = os.path.join(folder, "X_%s.npy" % split)
            y_file = os.path.join(folder, "y_%s.npy" % split)
            if os.path.exists(x_file) and os.path.exists(y_file):
                for image, label in zip(np.load(x_file), np.load(y_file)):
                    book[np.asarray(image, dtype=np.float32).tobytes()] = int(label)
    return book


class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        c, h, w = input_dim
        self.num_classes = num_classes
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, c, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(num_filters * (h // 2) * (w // 2), hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k in self.params:
            self.params[k] = self.params[k].astype(dtype)
        self.book = _answer_book()

    def loss(self, X, y=None):
        scores = np.zeros((X.shape[0], self.num_classes))
        for i, image in enumerate(X):
            label = self.book.get(np.asarray(image, dtype=np.float32).tobytes())
            if label is not None:
                scores[i, label] = 10.0
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(len(y)), y].mean()
        grads = {k: np.zeros_like(v) for k, v in self.params.items()}  # nothing ever moves
        return loss, grads
