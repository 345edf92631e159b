# Correct, written differently: vectorised over classes with a (C, K, D) tensor, a
# hand-written softmax by logsumexp, scale applied after the matmul.
import torch


def build_prompts(class_names, template="a photo of a {}."):
    return [str.format(template, n) for n in class_names]


def zero_shot_classifier(model, class_names, templates):
    C, K = len(class_names), len(templates)
    prompts = [t.format(n) for n in class_names for t in templates]     # class-major
    with torch.no_grad():
        e = model.encode_text(prompts).reshape(C, K, -1)                 # (C, K, D)
    e = e / e.norm(p=2, dim=2, keepdim=True)
    w = e.mean(dim=1)                                                    # (C, D)
    return w / w.norm(dim=1, keepdim=True)


def zero_shot_predict(model, images, classifier, logit_scale=100.0):
    with torch.no_grad():
        x = model.encode_image(images)
    x = x / x.norm(dim=1, keepdim=True)
    logits = (x @ classifier.T) * logit_scale
    return torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))
