# catches: ex14.probabilities ex14.logit_scale
# Wrong on purpose: softmax over the batch axis instead of the classes (B=1 gives all ones)
import torch
import torch.nn.functional as F


def build_prompts(class_names, template="a photo of a {}."):
    return [template.format(name) for name in class_names]


def zero_shot_classifier(model, class_names, templates):
    rows = []
    with torch.no_grad():
        for name in class_names:
            prompts = [t.format(name) for t in templates]
            emb = model.encode_text(prompts)          # (K, D)
            emb = F.normalize(emb, dim=-1)
            mean = emb.mean(dim=0)                    # (D,)
            rows.append(F.normalize(mean, dim=-1))
    return torch.stack(rows)                          # (C, D)


def zero_shot_predict(model, images, classifier, logit_scale=100.0):
    with torch.no_grad():
        feats = model.encode_image(images)            # (B, D)
    feats = F.normalize(feats, dim=-1)
    logits = logit_scale * feats @ classifier.T       # (B, C)
    return logits.softmax(dim=0)
