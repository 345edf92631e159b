
"""One-sided: only the image->text cross-entropy, the text->image direction forgotten."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logits = image_emb @ text_emb.T / temperature
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, _ = clip_logits(image_emb, text_emb, temperature)
    targets = torch.arange(logits_per_image.shape[0])
    return F.cross_entropy(logits_per_image, targets)
