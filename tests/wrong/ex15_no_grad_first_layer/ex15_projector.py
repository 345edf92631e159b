# catches: ex15.gradients
# Runs the first layer under no_grad "to save memory, as for the frozen encoder":
# the values are right, but fc1 and the input features get no gradient.
"""Exercise 15: the LLaVA-1.5 projector."""
import torch
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features):
        with torch.no_grad():
            hidden = self.fc1(features)
        return self.fc2(self.act(hidden))


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim + llm_dim * llm_dim + llm_dim
