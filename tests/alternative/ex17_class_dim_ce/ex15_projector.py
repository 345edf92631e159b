"""Exercise 15 with F.linear on flattened tokens, biases registered before weights,
the second weight used transposed, and a GELU written with erf."""
import math

import torch
import torch.nn.functional as F
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.vision_dim, self.llm_dim = vision_dim, llm_dim
        self.bias_hidden = nn.Parameter(torch.zeros(llm_dim))
        self.bias_out = nn.Parameter(torch.zeros(llm_dim))
        self.weight_hidden = nn.Parameter(torch.empty(llm_dim, vision_dim))
        self.weight_out_t = nn.Parameter(torch.empty(llm_dim, llm_dim))  # (in, out)
        nn.init.xavier_uniform_(self.weight_hidden)
        nn.init.xavier_uniform_(self.weight_out_t)

    def forward(self, features):
        B, N, _ = features.shape
        flat = features.reshape(B * N, self.vision_dim)
        hidden = F.linear(flat, self.weight_hidden, self.bias_hidden)
        hidden = hidden * 0.5 * (1.0 + torch.erf(hidden / math.sqrt(2.0)))
        out = hidden @ self.weight_out_t + self.bias_out
        return out.reshape(B, N, self.llm_dim)


def projector_param_count(vision_dim, llm_dim):
    return llm_dim * (vision_dim + llm_dim + 2)
