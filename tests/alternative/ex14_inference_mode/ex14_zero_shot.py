# Correct, written differently: inference_mode, a validated template, classifier.t(),
# torch.stack(...).mean(0), F.normalize with p=2 spelled out.
import torch
import torch.nn.functional as F


def build_prompts(class_names: list[str], template: str = "a photo of a {}.") -> list[str]:
    if "{}" not in template:
        raise ValueError(f"template needs a {{}} placeholder: {template!r}")
    return [template.format(c) for c in class_names]


@torch.inference_mode()
def zero_shot_classifier(model, class_names, templates):
    per_class = []
    for c in class_names:
        embs = [F.normalize(model.encode_text([t.format(c)])[0], p=2, dim=0) for t in templates]
        per_class.append(F.normalize(torch.stack(embs).mean(0), p=2, dim=0))
    return torch.stack(per_class)


@torch.inference_mode()
def zero_shot_predict(model, images, classifier, logit_scale=100.0):
    img = F.normalize(model.encode_image(images), p=2, dim=1)
    return torch.softmax(img @ classifier.t() * logit_scale, 1)
