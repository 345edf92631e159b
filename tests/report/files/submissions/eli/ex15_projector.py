"""Exercise 15 as Hugging Face writes it (linear_1, act, linear_2, tanh GELU), counting
parameters by building the module on the meta device (no memory allocated)."""
import torch
from torch import nn


class Projector(nn.Module):
    def __init__(self, vision_dim: int, llm_dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(vision_dim, llm_dim, bias=True)
        self.act = nn.GELU(approximate="tanh")
        self.linear_2 = nn.Linear(llm_dim, llm_dim, bias=True)

    def forward(self, image_features):
        hidden_states = self.linear_1(image_features)
        hidden_states = self.act(hidden_states)
        return self.linear_2(hidden_states)


def projector_param_count(vision_dim: int, llm_dim: int) -> int:
    with torch.device("meta"):
        model = Projector(vision_dim, llm_dim)
    return sum(p.numel() for p in model.parameters())
