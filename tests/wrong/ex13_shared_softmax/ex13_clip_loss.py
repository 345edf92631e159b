# catches: ex13.asymmetric ex13.invariances ex13.matches_reference ex13.temperature
"""Hand-written cross-entropy with one softmax over the wrong axis (dim 0), reused for both
directions: both terms become the text->image one."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logits = image_emb @ text_emb.T / temperature
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, _ = clip_logits(image_emb, text_emb, temperature)
    log_probs = torch.log_softmax(logits_per_image, dim=0)
    image_to_text = -log_probs.diagonal().mean()
    text_to_image = -log_probs.T.diagonal().mean()
    return (image_to_text + text_to_image) / 2
