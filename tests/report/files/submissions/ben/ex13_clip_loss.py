"""Alternative: F.cosine_similarity by broadcasting, nn.CrossEntropyLoss over both
directions stacked into one batch, a 1-element loss, computed in float64 and cast back."""
import torch
import torch.nn as nn
import torch.nn.functional as F

_ce = nn.CrossEntropyLoss()


def clip_logits(a, b, t=0.07):
    sims = F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1)  # (B, B)
    per_image = sims / t
    return per_image, per_image.T.contiguous()


def clip_loss(a, b, t=0.07):
    per_image, per_text = clip_logits(a.double(), b.double(), t)
    n = per_image.shape[0]
    both = torch.cat([per_image, per_text], dim=0)        # (2B, B): rows of both directions
    labels = torch.arange(n).repeat(2)                    # mean over 2B rows = mean of means
    return _ce(both, labels).float().reshape(1)
