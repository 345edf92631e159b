# catches: ex13.logits ex13.invariances ex13.matches_reference ex13.temperature
"""No L2 normalisation: raw dot products, so the loss depends on the embeddings' norms."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    logits = image_emb @ text_emb.T / temperature
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, logits_per_text = clip_logits(image_emb, text_emb, temperature)
    targets = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, targets)
            + F.cross_entropy(logits_per_text, targets)) / 2
