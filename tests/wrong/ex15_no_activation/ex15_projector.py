# catches: ex15.nonlinear ex15.structure
# Two Linear layers with the GELU forgotten: collapses into one affine map.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.fc2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features):
        return self.fc2(self.fc1(features))


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim + llm_dim * llm_dim + llm_dim
