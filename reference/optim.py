"""First-order update rules.

Each rule has the signature ``next_w, config = update(w, dw, config=None)``:
- w: the current weights (any shape); dw: the gradient of the loss with respect to w
- config: the rule's hyperparameters and its running state (moments, step count); created with
  the defaults below when None, and returned so the caller passes it back on the next step.

Starter module: it imports only numpy, so the grader can copy it verbatim into a submission.
"""

import numpy as np


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
    w -= learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon)

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m and v (zeros like
    w), t (0).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = config["m"] / (1 - beta1 ** config["t"])
    v_hat = config["v"] / (1 - beta2 ** config["t"])
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
