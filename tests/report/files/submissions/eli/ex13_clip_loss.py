"""My CLIP loss: cosine logits by normalising rows, then a cross-entropy each way."""
import torch
from torch import Tensor
from torch.nn import functional as F


def clip_logits(image_emb: Tensor, text_emb: Tensor, temperature: float = 0.07):
    unit_images = image_emb / image_emb.norm(p=2, dim=1, keepdim=True)
    unit_texts = text_emb / text_emb.norm(p=2, dim=1, keepdim=True)
    scores = torch.matmul(unit_images, unit_texts.t()).div(temperature)
    return scores, scores.t()


def clip_loss(image_emb: Tensor, text_emb: Tensor, temperature: float = 0.07) -> Tensor:
    per_image, per_text = clip_logits(image_emb, text_emb, temperature)
    answer = torch.arange(len(per_image), device=per_image.device)
    losses = [F.cross_entropy(per_image, answer), F.cross_entropy(per_text, answer)]
    return sum(losses) / len(losses)
