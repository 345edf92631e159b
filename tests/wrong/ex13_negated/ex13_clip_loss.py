# catches: ex13.known_values ex13.asymmetric ex13.matches_reference ex13.gradient_descent ex13.temperature
"""Hand-written cross-entropy that forgets the minus sign: the mean log-probability."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logits = image_emb @ text_emb.T / temperature
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, logits_per_text = clip_logits(image_emb, text_emb, temperature)
    image_to_text = logits_per_image.log_softmax(dim=-1).diagonal().mean()
    text_to_image = logits_per_text.log_softmax(dim=-1).diagonal().mean()
    return (image_to_text + text_to_image) / 2
