"""Exercise 16: a LLaVA-style VLM, a frozen vision encoder, a projector and a small LLM.

Shapes: B batch, N patch tokens, Dv the encoder's width, D the LLM's width (``llm.dim``),
T text tokens, V vocabulary (``llm.vocab_size``).

The image becomes N "visual tokens" in the LLM's embedding space; the LLM reads them
first, then the text, as one causal sequence of N + T embeddings:

    images (B, 3, H, W) -> vision_encoder -> (B, 1+N, Dv) -> drop CLS -> (B, N, Dv)
                        -> projector -> (B, N, D)  image tokens
    input_ids (B, T) -> llm.embed -> (B, T, D)    text tokens
    cat([image tokens, text tokens]) (B, N+T, D) -> llm.forward_embeds -> (B, N+T, V)
"""
import torch
from torch import Tensor, nn


class TinyVLM(nn.Module):
    """Vision encoder (frozen) -> projector -> LLM, as in LLaVA.

    Args:
        vision_encoder: an ``nn.Module`` mapping images ``(B, 3, H, W)`` to
            ``(B, 1+N, Dv)``, CLS first (``mmkit.load_clip().visual``).
        projector: an ``nn.Module`` mapping ``(B, N, Dv)`` to ``(B, N, D)`` (exercise 15).
        llm: a causal LM with ``embed(input_ids) -> (B, T, D)`` (token embeddings only),
            ``forward_embeds(embeds) -> (B, L, V)`` (adds positions, causal) and ``.dim``
            (``mmkit.TinyLM``).

    Keep the three as the attributes ``vision_encoder``, ``projector`` and ``llm``
    (exercises 17 and 20 reach them by these names). The vision encoder is frozen: its
    parameters have ``requires_grad=False`` and it stays in eval mode, even after
    ``vlm.train()``; the projector and the LLM are left as they come.
    """

    def __init__(self, vision_encoder: nn.Module, projector: nn.Module, llm: nn.Module):
        super().__init__()
        # BEGIN SOLUTION: keep the three parts; freeze the encoder and put it in eval mode
        self.vision_encoder = vision_encoder
        self.projector = projector
        self.llm = llm
        self.vision_encoder.requires_grad_(False)
        self.vision_encoder.eval()
        # END SOLUTION

    def train(self, mode: bool = True) -> "TinyVLM":
        """Set train/eval mode like ``nn.Module.train``, but the encoder always stays in eval."""
        # BEGIN SOLUTION: put the encoder back in eval mode after the usual train(mode)
        # STUB: return super().train(mode)
        super().train(mode)
        self.vision_encoder.eval()
        return self
        # END SOLUTION

    def image_tokens(self, images: Tensor) -> Tensor:
        """The image as N visual tokens in the LLM's embedding space.

        Args:
            images: ``(B, 3, H, W)`` float32.
        Returns:
            ``(B, N, D)``: the encoder's patch features (its CLS feature, token 0, left
            out), each passed through the projector. Gradients reach the projector, never
            the encoder.
        """
        # BEGIN SOLUTION: encode (no gradient needed), drop CLS, project
        with torch.no_grad():
            features = self.vision_encoder(images)        # (B, 1+N, Dv)
        return self.projector(features[:, 1:])            # (B, N, D)
        # END SOLUTION

    def forward(self, images: Tensor, input_ids: Tensor) -> Tensor:
        """Next-token logits for the sequence [image tokens, text tokens].

        Args:
            images: ``(B, 3, H, W)`` float32.
            input_ids: ``(B, T)`` long token ids (right-padded captions or prompts).
        Returns:
            ``(B, N + T, V)``: ``llm.forward_embeds`` of the N image tokens followed by the
            T token embeddings ``llm.embed(input_ids)``. Position ``t`` sees positions
            ``0..t`` only, so the logits at the N image slots do not depend on the text.
        Raises:
            Images and ids with different batch sizes are an error (the ``RuntimeError``
            that ``torch.cat`` raises is fine).
        """
        # BEGIN SOLUTION: image tokens, then text embeddings, through the LLM
        image_embeds = self.image_tokens(images)                      # (B, N, D)
        text_embeds = self.llm.embed(input_ids)                       # (B, T, D)
        embeds = torch.cat([image_embeds, text_embeds], dim=1)        # (B, N+T, D)
        return self.llm.forward_embeds(embeds)                        # (B, N+T, V)
        # END SOLUTION
