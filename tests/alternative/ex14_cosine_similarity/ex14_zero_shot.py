# Correct, written differently: str.replace, one template at a time with a running
# sum, torch.linalg.vector_norm, F.cosine_similarity (the classifier rows are unit-norm,
# so normalising them again changes nothing), the model's device from its parameters.
import torch
import torch.nn.functional as F


def build_prompts(class_names, template="a photo of a {}."):
    out = []
    for name in class_names:
        out.append(template.replace("{}", name))
    return out


def zero_shot_classifier(model, class_names, templates):
    total = None
    for template in templates:
        with torch.no_grad():
            e = model.encode_text(build_prompts(class_names, template))  # (C, D)
        e = e / torch.linalg.vector_norm(e, dim=1, keepdim=True)
        total = e if total is None else total + e
    mean = total / len(templates)
    return mean / torch.linalg.vector_norm(mean, dim=1, keepdim=True)    # (C, D)


def zero_shot_predict(model, images, classifier, logit_scale=100.0):
    device = next(model.parameters()).device
    with torch.no_grad():
        image_features = model.encode_image(images.to(device))          # (B, D)
    sims = F.cosine_similarity(image_features[:, None, :], classifier[None, :, :], dim=-1)
    return torch.softmax(logit_scale * sims, dim=1)                       # (B, C)
