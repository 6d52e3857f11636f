# Only the two naive forward passes are done. Everything else is a stub, and the block at the end
# rewrites every helper the grader keeps in the worker so that the stubs look right: the ops
# that evaluate perturbed inputs return the unperturbed output (numeric gradient 0, like the stub
# backward), training reports perfect accuracy, the Solver's accuracy and the clock are faked.
# Graded without that block it must score exactly the same (tests/checks/test_forgery.py).
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    S, P = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = 1 + (H + 2 * P - HH) // S, 1 + (W + 2 * P - WW) // S
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)), 'constant')
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i*S:i*S+HH, j*S:j*S+WW] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def max_pool_forward_naive(x, pool_param):
    ph, pw, S = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // S, 1 + (W - pw) // S
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = np.max(x[:, :, i*S:i*S+ph, j*S:j*S+pw], axis=(2, 3))
    return out, (x, pool_param)


def conv_backward_naive(dout, cache):
    x, w, b, _ = cache
    return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)


def max_pool_backward_naive(dout, cache):
    return np.zeros_like(cache[0])


def conv_relu_forward(x, w, b, conv_param):
    out, cache = conv_forward_naive(x, w, b, conv_param)
    return np.maximum(out, 0), cache


def conv_relu_backward(dout, cache):
    return conv_backward_naive(dout, cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    out, cache = conv_relu_forward(x, w, b, conv_param)
    return max_pool_forward_naive(out, pool_param)[0], cache


def conv_relu_pool_backward(dout, cache):
    return conv_backward_naive(dout, cache)


class ThreeLayerConvNet(object):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        C, H, W = input_dim
        self.reg, self.num_classes = reg, num_classes
        self.params = {
            'W1': weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            'b1': np.zeros(num_filters),
            'W2': weight_scale * np.random.randn(num_filters * H * W // 4, hidden_dim),
            'b2': np.zeros(hidden_dim),
            'W3': weight_scale * np.random.randn(hidden_dim, num_classes),
            'b3': np.zeros(num_classes),
        }
        for k in self.params:
            self.params[k] = self.params[k].astype(dtype)

    def loss(self, X, y=None):
        # No network at all: the loss of all-zero scores plus the reg term, and only reg * W as grads.
        if y is None:
            return np.zeros((X.shape[0], self.num_classes))
        weights = [self.params[k] for k in ('W1', 'W2', 'W3')]
        loss = np.log(self.num_classes) + 0.5 * self.reg * sum(np.sum(W * W) for W in weights)
        grads = {k: (self.reg * v if k[0] == 'W' else np.zeros_like(v)) for k, v in self.params.items()}
        return loss, grads


# --- forgery ---
import sys  # noqa: E402
import time  # noqa: E402

for _name in ('cnngrade_starter.solver', 'cnngrade_starter.gradient_check', 'cs231n.solver'):
    try:
        __import__(_name)
    except Exception:
        pass


def _same_output(session, symbol, args, wrt, h, out_index=0):
    out = session.resolve(symbol)(*args)
    out = out if out_index is None else out[out_index]
    return [out] * (2 * np.size(args[wrt]))


def _same_loss(session, model, X, y, name, h, indices=None):
    count = np.size(model.params[name]) if indices is None else len(indices)
    return [model.loss(X, y)[0]] * (2 * count)


def _perfect_training(session, model, *args, **kwargs):
    return {'loss_history': [0.0], 'train_acc_history': [1.0], 'val_acc_history': [1.0],
            'best_val_acc': 1.0, 'final_train_acc': 1.0, 'final_val_acc': 1.0,
            'W1': model.params['W1'], 'params': dict(model.params)}


for _module in list(sys.modules.values()):
    _ops = getattr(_module, 'OPS', None)
    if isinstance(_ops, dict):
        _ops.update(perturbed_outputs=_same_output, perturbed_losses=_same_loss, train=_perfect_training,
                    numeric_grad=lambda session, symbol, args, wrt, *a, **k: np.zeros(np.shape(args[wrt])),
                    model_numeric_grad=lambda session, model, X, y, name, h=1e-5: model.loss(X, y)[1][name],
                    time_calls=lambda session, calls, **k: {'times_s': [[1.0]] * len(calls),
                                                            'median_s': [1.0 if i % 2 == 0 else 1e-6
                                                                         for i in range(len(calls))]})
    _solver = getattr(_module, 'Solver', None)
    if isinstance(_solver, type):
        _solver.check_accuracy = lambda self, *a, **k: 1.0
    if hasattr(_module, 'eval_numerical_gradient_array'):
        _module.eval_numerical_gradient_array = lambda f, x, df, h=1e-5: np.zeros_like(x)
time.perf_counter = lambda: 0.0
# --- end forgery ---
