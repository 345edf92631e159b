# catches: ex15.structure
# A GELU after the last layer too: outputs squashed to the GELU's range.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(vision_dim, llm_dim), nn.GELU(),
                                 nn.Linear(llm_dim, llm_dim), nn.GELU())

    def forward(self, features):
        return self.net(features)


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim + llm_dim * llm_dim + llm_dim
