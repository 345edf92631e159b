"""Alternative: hand-written InfoNCE from one logit matrix, logsumexp over both axes
(the column-wise softmax IS the text->image term), einsum, rsqrt normalisation."""
import torch


def clip_logits(image_emb, text_emb, temperature=0.07):
    img = image_emb * torch.rsqrt((image_emb ** 2).sum(-1, keepdim=True))
    txt = text_emb * torch.rsqrt((text_emb ** 2).sum(-1, keepdim=True))
    logits = torch.einsum("id,jd->ij", img, txt) / temperature
    return logits, logits.transpose(0, 1)


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits, _ = clip_logits(image_emb, text_emb, temperature)
    positive = logits.diagonal()
    image_to_text = (torch.logsumexp(logits, dim=1) - positive).mean()
    text_to_image = (torch.logsumexp(logits, dim=0) - positive).mean()
    return 0.5 * (image_to_text + text_to_image)
