# catches: ex15.param_count ex15.param_count_drawn ex15.nonlinear ex15.structure
# LLaVA-1's projector: a single Linear, no hidden layer.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.proj = nn.Linear(vision_dim, llm_dim)

    def forward(self, features):
        return self.proj(features)


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim
