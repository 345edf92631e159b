# catches: ex15.token_wise ex15.structure
# Adds the mean over tokens as "global image context": permutation-equivariant, but
# every output depends on every token.
"""Exercise 15: the LLaVA-1.5 projector."""
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim, llm_dim):
        super().__init__()
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(llm_dim, llm_dim)

    def forward(self, features):
        features = features + features.mean(dim=1, keepdim=True)   # (B, N, Dv)
        return self.fc2(self.act(self.fc1(features)))


def projector_param_count(vision_dim, llm_dim):
    return vision_dim * llm_dim + llm_dim + llm_dim * llm_dim + llm_dim
