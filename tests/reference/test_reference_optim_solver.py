"""Update rules, the Solver, and the starter modules working as a stand-alone package."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from reference import optim
from reference.cnn import ThreeLayerConvNet
from reference.data import get_builtin_data
from reference.gradient_check import rel_error
from reference.solver import Solver


def notebook_update_case():
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return w, dw


def test_sgd_momentum_matches_the_published_update():
    w, dw = notebook_update_case()
    config = {"learning_rate": 1e-3, "velocity": np.linspace(0.6, 0.9, num=20).reshape(4, 5)}
    next_w, config = optim.sgd_momentum(w, dw, config=config)
    expected_next_w = np.linspace(0.1406, 1.4096, num=20).reshape(4, 5)
    expected_velocity = np.linspace(0.5406, 0.8096, num=20).reshape(4, 5)
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


def test_first_steps_of_rmsprop_and_adam_have_their_closed_forms():
    w, dw = notebook_update_case()
    # From zero state, rmsprop's first step is lr * dw / (0.1 |dw|) = 10 lr sign(dw),
    # and adam's bias-corrected first step is lr * dw / |dw| = lr sign(dw).
    next_w, config = optim.rmsprop(w.copy(), dw, {"learning_rate": 1e-2})
    np.testing.assert_allclose(next_w, w - 0.1 * np.sign(dw), atol=1e-5)
    assert config["cache"] == pytest.approx(0.01 * dw**2)
    w_before = w.copy()
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-3})
    np.testing.assert_allclose(next_w, w - 1e-3 * np.sign(dw), atol=1e-7)
    np.testing.assert_array_equal(w, w_before)
    assert config["t"] == 1
    np.testing.assert_allclose(config["m"], 0.1 * dw)
    np.testing.assert_allclose(config["v"], 0.001 * dw**2)
    # The second step uses the moments of the first.
    next_w2, config = optim.adam(next_w, dw, config)
    m, v = 0.19 * dw, (0.001 * 0.999 + 0.001) * dw**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    np.testing.assert_allclose(next_w2, next_w - 1e-3 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-10)


def test_adam_keeps_its_state_for_transposed_weights_and_many_blocks():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((300, 400)).T  # not C-contiguous, more than one block of work
    dw = rng.standard_normal(w.shape)
    w1, config = optim.adam(w, dw, None)
    w2, config = optim.adam(w1, dw, config)
    # With a constant gradient the moments grow as 1-beta^t, so both bias-corrected steps are equal.
    np.testing.assert_allclose(w - w1, w1 - w2, rtol=1e-6)
    np.testing.assert_allclose(config["m"], 0.19 * dw)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_every_rule_minimizes_a_quadratic_with_its_default_config(rule):
    w = np.array([1.0, -0.5, 0.25])
    config = None
    for _ in range(3000):
        w, config = getattr(optim, rule)(w, 2 * w, config)
    assert np.abs(w).max() < 0.05


def small_data(num_training=100):
    return get_builtin_data(num_training=num_training, num_validation=50, num_test=0)


def tiny_model():
    np.random.seed(0)
    return ThreeLayerConvNet(num_filters=8, filter_size=3, hidden_dim=50, weight_scale=1e-2)


def test_solver_prints_progress_when_verbose_and_nothing_otherwise(capsys):
    data = small_data(40)
    Solver(tiny_model(), data, num_epochs=2, batch_size=20, print_every=1, verbose=True).train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 4) loss:" in out and "(Epoch 2 / 2) train acc:" in out
    Solver(tiny_model(), data, num_epochs=2, batch_size=20, verbose=False).train()
    assert capsys.readouterr().out == ""


def counting_scorings(loss, scored: list[int]):
    """`loss` that also records how many images each scoring call (no labels) was given."""

    def counted(X, y=None):
        if y is None:
            scored.append(len(X))
        return loss(X, y)

    return counted


def test_a_val_split_that_is_the_training_split_is_scored_once_with_the_same_results():
    """To overfit, the val split is the training split itself: one forward pass per measurement,
    and the run (histories, kept parameters) is bit for bit the run on a copy of that split."""
    data = small_data(40)
    same = {**data, "X_val": data["X_train"], "y_val": data["y_train"]}
    copied = {**data, "X_val": data["X_train"].copy(), "y_val": data["y_train"].copy()}
    runs = {}
    for name, split in [("same", same), ("copied", copied)]:
        model = tiny_model()
        scorings: list[int] = []
        model.loss = counting_scorings(model.loss, scorings)
        np.random.seed(1)
        solver = Solver(model, split, num_epochs=3, batch_size=20, num_train_samples=40, verbose=False)
        solver.train()
        runs[name] = (solver, model.params, scorings)
    (same_run, same_params, same_scored), (copied_run, copied_params, copied_scored) = runs.values()
    assert same_run.val_acc_history == same_run.train_acc_history == copied_run.train_acc_history
    assert same_run.val_acc_history == copied_run.val_acc_history
    assert all(np.array_equal(same_params[k], copied_params[k]) for k in same_params)
    assert sum(same_scored) * 2 == sum(copied_scored) == 2 * 4 * 40  # 4 measurements of 40 images


def test_solver_rejects_an_unknown_update_rule():
    with pytest.raises(ValueError, match="nesterov"):
        Solver(tiny_model(), small_data(10), update_rule="nesterov")


@pytest.mark.slow
def test_overfitting_100_examples_reaches_90_percent_training_accuracy():
    np.random.seed(231)
    data = small_data(100)
    model = ThreeLayerConvNet(weight_scale=1e-2)
    solver = Solver(
        model,
        data,
        # The notebook's settings, with 25 epochs instead of 15: the built-in images are harder to
        # memorize than CIFAR-10's (the reference is at ~0.8 after 15 epochs, 1.0 after 25).
        num_epochs=25,
        batch_size=50,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=False,
    )
    solver.train()
    assert len(solver.loss_history) == 25 * 2
    assert solver.train_acc_history[-1] >= 0.9
    assert solver.best_val_acc == max(solver.val_acc_history)
    # The solver leaves the model with the parameters of the best validation accuracy.
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == pytest.approx(solver.best_val_acc)


STARTER_MODULES = ("fast_layers.py", "optim.py", "solver.py", "gradient_check.py")

USE_THE_STARTER_PACKAGE = """
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import cnngrade_starter
from cnngrade_starter.fast_layers import conv_forward_fast, conv_backward_fast, max_pool_forward_fast
from cnngrade_starter.gradient_check import eval_numerical_gradient_array, rel_error
from cnngrade_starter.solver import Solver

assert "reference" not in sys.modules, sorted(m for m in sys.modules if m.startswith("reference"))
np.random.seed(0)  # the same inputs and the same training run every time
x, w, b = np.random.randn(2, 3, 5, 5), np.random.randn(4, 3, 3, 3), np.random.randn(4)
param = {"stride": 1, "pad": 1}
out, cache = conv_forward_fast(x, w, b, param)
dout = np.random.randn(*out.shape)
dx_num = eval_numerical_gradient_array(lambda x: conv_forward_fast(x, w, b, param)[0], x, dout)
print("dx error", rel_error(conv_backward_fast(dout, cache)[0], dx_num))

class Linear:
    def __init__(self):
        self.params = {"W": np.zeros((4, 2))}
    def loss(self, X, y=None):
        scores = X @ self.params["W"]
        if y is None:
            return scores
        p = np.exp(scores - scores.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y]).mean()
        p[np.arange(len(y)), y] -= 1
        return loss, {"W": X.T @ p / len(y)}

X = np.random.randn(200, 4)
y = (X[:, 0] > 0).astype(int)
data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
solver = Solver(Linear(), data, update_rule="adam", optim_config={"learning_rate": 1e-1}, num_epochs=5,
                batch_size=50, verbose=False)
solver.train()
print("accuracy", solver.best_val_acc)
"""


def test_starter_modules_work_copied_verbatim_as_the_package_cnngrade_starter(tmp_path):
    package = tmp_path / "cnngrade_starter"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in STARTER_MODULES:
        shutil.copy(Path(reference.__file__).parent / name, package / name)
    result = subprocess.run(
        [sys.executable, "-I", "-c", USE_THE_STARTER_PACKAGE, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
    assert float(lines["dx error"]) < 1e-7
    assert float(lines["accuracy"]) > 0.9


@pytest.mark.parametrize("name", STARTER_MODULES)
def test_starter_modules_import_only_numpy_the_stdlib_and_each_other(name):
    source = (Path(reference.__file__).parent / name).read_text()
    imports = [line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))]
    stdlib = set(sys.stdlib_module_names)
    for module in imports:
        top = module.split(".")[0]
        assert (
            module.startswith(".")
            and module.lstrip(".") in ("", *[m[:-3] for m in STARTER_MODULES])
            or (top in stdlib or top == "numpy")
        ), f"{name} imports {module}"
