# catches: ex16.text_sees_image ex16.shipped_encoder
# Runs the LLM's own forward on the ids and the image tokens separately, then joins the logits:
# the right shape and layout, but the text never sees the image.
"""Exercise 16: a frozen encoder, a projector and a small LLM."""
import torch
from torch import nn


class TinyVLM(nn.Module):
    def __init__(self, vision_encoder, projector, llm):
        super().__init__()
        self.vision_encoder = vision_encoder
        self.projector = projector
        self.llm = llm
        self.vision_encoder.requires_grad_(False)
        self.vision_encoder.eval()

    def train(self, mode=True):
        super().train(mode)
        self.vision_encoder.eval()
        return self

    def image_tokens(self, images):
        with torch.no_grad():
            features = self.vision_encoder(images)         # (B, 1+N, Dv)
        return self.projector(features[:, 1:])             # (B, N, D)

    def forward(self, images, input_ids):
        image_logits = self.llm.forward_embeds(self.image_tokens(images))  # (B, N, V)
        text_logits = self.llm(input_ids)                                   # (B, T, V)
        return torch.cat([image_logits, text_logits], dim=1)
