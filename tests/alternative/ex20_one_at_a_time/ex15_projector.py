"""Exercise 15, written by hand: weights stored (in, out), x @ W + b, the tanh GELU."""
import math

import torch
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.w_in = nn.Parameter(torch.randn(vision_dim, llm_dim) / math.sqrt(vision_dim))
        self.b_in = nn.Parameter(torch.zeros(llm_dim))
        self.w_out = nn.Parameter(torch.randn(llm_dim, llm_dim) / math.sqrt(llm_dim))
        self.b_out = nn.Parameter(torch.zeros(llm_dim))

    @staticmethod
    def gelu_tanh(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def forward(self, features):
        hidden = self.gelu_tanh(features @ self.w_in + self.b_in)
        return hidden @ self.w_out + self.b_out


def projector_param_count(vision_dim, llm_dim):
    return (vision_dim + 1) * llm_dim + (llm_dim + 1) * llm_dim
