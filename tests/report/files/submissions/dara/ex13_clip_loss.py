"""Alternative: open_clip's ClipLoss layout: a logit scale 1/temperature, both logit
matrices computed by their own matmul, labels from a helper, the keyword name ``tau``."""
import torch
import torch.nn.functional as F


def get_ground_truth(num_pairs, device):
    return torch.arange(num_pairs, device=device, dtype=torch.long)


def clip_logits(image_features, text_features, tau=0.07):
    logit_scale = 1.0 / tau
    image_features = image_features / image_features.norm(dim=-1, keepdim=True)
    text_features = text_features / text_features.norm(dim=-1, keepdim=True)
    logits_per_image = logit_scale * image_features @ text_features.T
    logits_per_text = logit_scale * text_features @ image_features.T
    return logits_per_image, logits_per_text


def clip_loss(image_features, text_features, tau=0.07):
    logits_per_image, logits_per_text = clip_logits(image_features, text_features, tau)
    labels = get_ground_truth(logits_per_image.shape[0], logits_per_image.device)
    return (F.cross_entropy(logits_per_image, labels)
            + F.cross_entropy(logits_per_text, labels)) / 2
