"""First-order update rules.

Each rule has the signature ``next_w, config = update(w, dw, config=None)``:
- w: the current weights (any shape); dw: the gradient of the loss with respect to w
- config: the rule's hyperparameters and its running state (moments, step count); created with
  the defaults below when None, and returned so the caller passes it back on the next step.

Starter module: it imports only numpy, so the grader can copy it verbatim into a submission.
"""

import numpy as np

# Elements per block of Adam's elementwise work: a few blocks of this size fit in cache.
_ADAM_BLOCK = 1 << 15


def sgd(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """Vanilla stochastic gradient descent: ``w -= learning_rate * dw``.

    config: learning_rate (default 1e-2).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """SGD with momentum: ``v = momentum * v - learning_rate * dw; w += v``.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """RMSProp: ``cache = decay_rate * cache + (1 - decay_rate) * dw**2;
    w -= learning_rate * dw / (sqrt(cache) + epsilon)``.

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw**2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    """Adam, with bias-corrected first and second moments.

    t += 1; m = beta1*m + (1-beta1)*dw; v = beta2*v + (1-beta2)*dw**2;
    next_w = w - learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon)

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m and v (zeros like
    w; updated in place), t (0). w itself is not modified.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    # The moments are updated in place through flat views, which needs them C-contiguous.
    config["m"], config["v"] = np.ascontiguousarray(config["m"]), np.ascontiguousarray(config["v"])
    config["t"] += 1
    beta1, beta2, t = config["beta1"], config["beta2"], config["t"]
    step_size = config["learning_rate"] / (1 - beta1**t)
    v_correction = 1 / (1 - beta2**t)

    # A dozen elementwise passes over a large weight matrix cost as much as its layer's matmuls
    # when each pass streams through memory; done block by block, they stay in cache.
    m, v, g = config["m"].reshape(-1), config["v"].reshape(-1), dw.reshape(-1)
    w_flat = w.reshape(-1)
    next_w = np.empty_like(w_flat)
    scratch = np.empty(min(w_flat.size, _ADAM_BLOCK), dtype=next_w.dtype)
    denominator = np.empty_like(scratch)
    for start in range(0, w_flat.size, _ADAM_BLOCK):
        block = slice(start, min(w_flat.size, start + _ADAM_BLOCK))
        mb, vb, gb = m[block], v[block], g[block]
        tmp, den = scratch[: len(mb)], denominator[: len(mb)]
        mb *= beta1
        mb += np.multiply(gb, 1 - beta1, out=tmp)
        vb *= beta2
        np.square(gb, out=tmp)
        tmp *= 1 - beta2
        vb += tmp
        np.multiply(vb, v_correction, out=den)
        np.sqrt(den, out=den)
        den += config["epsilon"]
        np.multiply(mb, step_size, out=tmp)
        tmp /= den
        np.subtract(w_flat[block], tmp, out=next_w[block])
    return next_w.reshape(w.shape), config
