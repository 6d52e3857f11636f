import numpy as np

from . import optim


class Solver(object):
    """Minibatch training loop (this copy was edited by the student to print less)."""

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train, self.y_train = data['X_train'], data['y_train']
        self.X_val, self.y_val = data['X_val'], data['y_val']
        self.update_rule = getattr(optim, kwargs.pop('update_rule', 'sgd'))
        self.optim_config = kwargs.pop('optim_config', {})
        self.batch_size = kwargs.pop('batch_size', 100)
        self.num_epochs = kwargs.pop('num_epochs', 10)
        self.verbose = kwargs.pop('verbose', False)
        self.loss_history = []
        self.configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        idx = np.random.choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            next_w, self.configs[p] = self.update_rule(w, grads[p], self.configs[p])
            self.model.params[p] = next_w

    def train(self):
        iterations = self.num_epochs * max(self.X_train.shape[0] // self.batch_size, 1)
        for t in range(iterations):
            self._step()
            if self.verbose and t % 100 == 0:
                print('(Iteration %d / %d) loss: %f' % (t + 1, iterations, self.loss_history[-1]))
