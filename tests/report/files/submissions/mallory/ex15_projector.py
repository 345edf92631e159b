"""Projector for exercise 15 (mine)."""
from torch import nn
import torch.nn.functional as fn


def projector_param_count(d_in, d_out):
    w = d_in * d_out + d_out ** 2   # the weights
    b = 2 * d_out                   # the biases
    return w + b


class Projector(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.first = nn.Conv1d(d_in, d_out, kernel_size=1)
        self.second = nn.Conv1d(d_out, d_out, kernel_size=1)

    def forward(self, feats):
        h = feats.transpose(1, 2)
        h = self.second(fn.gelu(self.first(h)))
        return h.transpose(1, 2)
