"""Exercise 18: a resampler, any number N of patch tokens in, K learned queries out.

Shapes: B batch, N input tokens (any N >= 1, different from call to call), D = dim,
K = num_queries. The output always has K tokens, whatever N is: the image-token budget
of the LLM no longer grows with the image's resolution.

The design is open_flamingo's ``PerceiverResampler``: K learned latents (the queries)
cross-attend to the input tokens; per layer ``latents = attn(x, latents) + latents``,
then ``latents = ff(latents) + latents``; the keys and values are ``cat(x, latents)``;
a final LayerNorm. Cross-attention costs O(N * K), never O(N * N).
"""
import torch
from torch import Tensor, nn


class Resampler(nn.Module):
    """K learned queries that read a variable number of input tokens by cross-attention.

    Args:
        dim: D, the width of the input tokens and of the outputs.
        num_queries: K, the number of output tokens.
        num_heads: attention heads; ``dim`` must be divisible by it.
        depth: how many (cross-attention, feed-forward) layers.
    Attributes:
        queries: ``nn.Parameter`` of shape ``(K, D)``, the learned latents, trained like
            every other weight.
    """

    def __init__(self, dim: int, num_queries: int = 8, num_heads: int = 4, depth: int = 1):
        super().__init__()
        # TODO: the learned queries, then `depth` attention + feed-forward layers
        raise NotImplementedError

    def forward(self, tokens: Tensor) -> Tensor:
        """Resample N input tokens into K output tokens.

        Args:
            tokens: ``(B, N, D)`` float32, any N >= 1 (N may be in the thousands).
        Returns:
            ``(B, K, D)``. The result does not depend on the order of the N tokens
            (permuting them leaves it unchanged), each sample of the batch is resampled
            on its own, and the cost grows linearly in N: the queries attend to the
            tokens, the tokens never attend to each other (no N x N attention matrix).
        Raises:
            ValueError: if ``tokens`` is not 3-D or its last dimension is not D.
        """
        # TODO: expand the queries over the batch; cross-attend, feed forward
        raise NotImplementedError
