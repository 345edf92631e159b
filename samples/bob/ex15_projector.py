
# ReLU instead of GELU: right shapes, nonlinear, right count, wrong activation.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(vision_dim, llm_dim), nn.ReLU(),
                                 nn.Linear(llm_dim, llm_dim))

    def forward(self, features):
        return self.net(features)


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim + llm_dim * llm_dim + llm_dim
