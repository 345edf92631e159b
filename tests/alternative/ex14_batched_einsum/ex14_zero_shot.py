# Correct, written differently: all prompts in one encode_text call (template-major),
# sum instead of mean (the same after normalising), einsum, log_softmax().exp().
import torch


def build_prompts(class_names, template="a photo of a {}."):
    return list(map(template.format, class_names))


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True)


def zero_shot_classifier(clip, names, prompt_templates):
    clip.eval()
    prompts = [p for t in prompt_templates for p in build_prompts(names, t)]
    with torch.no_grad():
        emb = clip.encode_text(prompts)                                  # (K*C, D)
    emb = _unit(emb.reshape(len(prompt_templates), len(names), -1))      # (K, C, D)
    return _unit(emb.sum(dim=0))                                         # (C, D)


def zero_shot_predict(clip, imgs, weights, logit_scale=100.0):
    clip.eval()
    with torch.no_grad():
        feats = _unit(clip.encode_image(imgs))                           # (B, D)
    logits = logit_scale * torch.einsum("bd,cd->bc", feats, weights)     # (B, C)
    return logits.log_softmax(dim=1).exp()
