# catches: ex15.structure
# SiLU (the LLM's own activation) instead of GELU.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.act = nn.SiLU()
        self.fc2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features):
        return self.fc2(self.act(self.fc1(features)))


def projector_param_count(vision_dim, llm_dim):
    return (vision_dim + 1) * llm_dim + (llm_dim + 1) * llm_dim
