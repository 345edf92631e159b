"""Exercise 15: the LLaVA-1.5 projector, vision features into the LLM's embedding space.

Shapes: B batch, N vision tokens (patch features), Dv = vision_dim, D = llm_dim.
The projector maps every token on its own: ``(B, N, Dv) -> (B, N, D)``.
"""
import torch
from torch import Tensor, nn


class Projector(nn.Module):
    """LLaVA-1.5's ``mlp2x_gelu``: ``Linear(Dv, D) -> GELU -> Linear(D, D)``, biases on.

    Args:
        vision_dim: Dv, the width of the vision encoder's features.
        llm_dim: D, the width of the language model's token embeddings.
    """

    def __init__(self, vision_dim: int, llm_dim: int):
        super().__init__()
        # BEGIN SOLUTION: create the two Linear layers and the GELU
        self.fc1 = nn.Linear(vision_dim, llm_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(llm_dim, llm_dim)
        # END SOLUTION

    def forward(self, features: Tensor) -> Tensor:
        """Project vision features, token by token, into the LLM's embedding space.

        Args:
            features: ``(B, N, vision_dim)`` float32 patch features (any B >= 1, N >= 1).
        Returns:
            ``(B, N, llm_dim)``: each output token depends only on the input token at
            the same position (no mixing across tokens or across the batch).
        Raises:
            An input whose last dimension is not ``vision_dim`` is an error (the
            ``RuntimeError`` that ``nn.Linear`` raises is fine).
        """
        # BEGIN SOLUTION: Linear -> GELU -> Linear on the last dimension
        hidden = self.act(self.fc1(features))     # (B, N, D)
        return self.fc2(hidden)                   # (B, N, D)
        # END SOLUTION


def projector_param_count(vision_dim: int, llm_dim: int) -> int:
    """Number of parameters (weights and biases) of ``Projector(vision_dim, llm_dim)``.

    Args:
        vision_dim: Dv.
        llm_dim: D.
    Returns:
        The count as an ``int`` (20,979,712 for 1024 -> 4096); it must equal the number
        of parameters your ``Projector`` really has. Count without building a big
        model: for 1024 -> 4096 that would allocate 80 MB.
    """
    # BEGIN SOLUTION: count both weight matrices and both bias vectors by arithmetic
    first = vision_dim * llm_dim + llm_dim        # Linear(Dv, D): weight and bias
    second = llm_dim * llm_dim + llm_dim          # Linear(D, D): weight and bias
    return first + second
    # END SOLUTION
