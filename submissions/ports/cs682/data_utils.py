import os
import pickle

import numpy as np


def load_CIFAR_batch(filename):
    """One CIFAR-10 batch file -> (X, Y)."""
    with open(filename, 'rb') as f:
        datadict = pickle.load(f, encoding='latin1')
        X = datadict['data'].reshape(10000, 3, 32, 32).transpose(0, 2, 3, 1).astype('float')
        Y = np.array(datadict['labels'])
        return X, Y


def load_CIFAR10(ROOT):
    """All of CIFAR-10 from its python pickles."""
    xs, ys = [], []
    for b in range(1, 6):
        X, Y = load_CIFAR_batch(os.path.join(ROOT, 'data_batch_%d' % b))
        xs.append(X)
        ys.append(Y)
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, 'test_batch'))
    return np.concatenate(xs), np.concatenate(ys), Xte, Yte
