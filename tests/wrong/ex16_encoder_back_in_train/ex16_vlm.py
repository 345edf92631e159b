# catches: ex16.encoder_eval
# No train() override: vlm.train() puts the encoder back in training mode.
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

    def image_tokens(self, images):
        with torch.no_grad():
            features = self.vision_encoder(images)         # (B, 1+N, Dv)
        return self.projector(features[:, 1:])             # (B, N, D)

    def forward(self, images, input_ids):
        image = self.image_tokens(images)                  # (B, N, D)
        text = self.llm.embed(input_ids)                   # (B, T, D)
        return self.llm.forward_embeds(torch.cat([image, text], dim=1))
