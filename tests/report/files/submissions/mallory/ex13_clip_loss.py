# Exercise 13 -- Mallory
# CLIP loss, my implementation
import torch


def clip_loss(imgs, txts, tau=0.07):
    # compute the logits first
    scores, _unused = clip_logits(imgs, txts, tau)
    diag = scores.diagonal()
    # image to text direction
    loss_a = (torch.logsumexp(scores, dim=1) - diag).mean()
    # text to image direction
    loss_b = (torch.logsumexp(scores, dim=0) - diag).mean()
    return 0.5 * (loss_a + loss_b)


def clip_logits(imgs, txts, tau=0.07):
    """Normalise both and take the scaled similarities."""
    a = imgs * torch.rsqrt((imgs ** 2).sum(-1, keepdim=True))
    b = txts * torch.rsqrt(
        (txts ** 2).sum(-1, keepdim=True)
    )
    scores = torch.einsum("id,jd->ij", a, b) / tau
    return scores, scores.transpose(0, 1)
