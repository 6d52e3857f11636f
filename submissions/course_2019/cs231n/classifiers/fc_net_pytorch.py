# Extra credit experiment from the PyTorch notebook; the grader never imports this file.
import torch
import torch.nn as nn


class TinyNet(nn.Module):
    def __init__(self, hidden=100):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, hidden)

    def forward(self, x):
        return self.fc(x.flatten(1))
