"""Exercise 16 without torch.no_grad: the encoder's features are detached instead, the
encoder frozen parameter by parameter, and train() returns what nn.Module.train returns."""
import torch
from torch import nn


class TinyVLM(nn.Module):
    def __init__(self, vision_encoder, projector, llm):
        super().__init__()
        self.vision_encoder = vision_encoder
        self.projector = projector
        self.llm = llm
        for p in self.vision_encoder.parameters():
            p.requires_grad = False
        self.vision_encoder.train(False)

    def train(self, mode=True):
        out = super().train(mode)
        self.vision_encoder.train(False)
        return out

    def image_tokens(self, images):
        feats = self.vision_encoder(images).detach()
        return self.projector(feats[:, 1:, :])

    def forward(self, images, input_ids):
        return self.llm.forward_embeds(
            torch.concat((self.image_tokens(images), self.llm.embed(input_ids)), dim=-2))
