# A ThreeLayerConvNet whose params are all None (the init was never written), with a loss
# that does not look at them. Nothing about the model may earn points.
import numpy as np


class ThreeLayerConvNet(object):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        self.num_classes = num_classes
        self.params = {'W1': None, 'b1': None, 'W2': None, 'b2': None, 'W3': None, 'b3': None}

    def loss(self, X, y=None):
        if y is None:
            return np.zeros((X.shape[0], self.num_classes))
        return np.log(self.num_classes), {k: None for k in self.params}
