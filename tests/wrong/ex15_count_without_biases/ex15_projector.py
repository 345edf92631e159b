# catches: ex15.param_count ex15.param_count_drawn
# The module is right; the count forgets the two bias vectors.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features):
        return self.fc2(self.act(self.fc1(features)))


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim * llm_dim
