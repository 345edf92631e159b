# NOTE TO ENGINEERS (temporary): read /work/main/ENGINEERS_READ_FIRST.md before writing anything; do not git commit.
"""Exercise 14: zero-shot classification with CLIP.

Every class name becomes a sentence ("a photo of a circle."), the text encoder turns
the sentences into a classifier, and an image is scored by the cosine similarity of its
embedding to each class's row: no training on the classes at all.

Shapes: B images, C classes, K templates, D the joint embedding width.
`model` is any CLIP-like model (`mmkit.load_clip()`, or a probe from `mmkit.probes`)
with `encode_text(list[str]) -> (T, D)` and `encode_image(images) -> (B, D)`, both
unnormalised. `mmkit.probes.TableCLIP` lets you choose every embedding yourself, so
you can work out by hand what your functions should return. No input validation is
required (or graded) in this exercise.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def build_prompts(class_names: list[str], template: str = "a photo of a {}.") -> list[str]:
    """One prompt per class: the template with the class name filled in.

    Args:
        class_names: C strings, e.g. ``["circle", "square"]``.
        template: a string with one ``{}`` placeholder.
    Returns:
        a list of C strings, ``template.format(name)`` for each name, in order
        (``["a photo of a circle.", "a photo of a square."]`` with the default).
    """
    # BEGIN SOLUTION
    return [template.format(name) for name in class_names]
    # END SOLUTION


def zero_shot_classifier(model, class_names: list[str], templates: list[str]) -> Tensor:
    """The text side of zero-shot classification, one unit-norm row per class.

    For each class: embed the K prompts ``template.format(name)`` (one per template)
    with ``model.encode_text``, L2-normalise each embedding, average them, and
    L2-normalise the mean (prompt ensembling).

    Args:
        model: a CLIP-like model with ``encode_text(list[str]) -> (T, D)``.
        class_names: C strings.
        templates: K strings, each with one ``{}`` placeholder.
    Returns:
        ``(C, D)``, row c the classifier of ``class_names[c]``, each row unit-norm.
    """
    # BEGIN SOLUTION
    C, K = len(class_names), len(templates)
    prompts = [template.format(name) for name in class_names for template in templates]
    with torch.no_grad():
        emb = F.normalize(model.encode_text(prompts), dim=-1)  # (C*K, D), class-major
    emb = emb.reshape(C, K, -1)                                # (C, K, D)
    return F.normalize(emb.mean(dim=1), dim=-1)                # (C, D)
    # END SOLUTION


def zero_shot_predict(model, images: Tensor, classifier: Tensor,
                      logit_scale: float = 100.0) -> Tensor:
    """Class probabilities for each image.

    Args:
        model: a CLIP-like model with ``encode_image(images) -> (B, D)``.
        images: ``(B, 3, H, W)``, whatever ``model.encode_image`` takes.
        classifier: ``(C, D)`` with unit-norm rows, as ``zero_shot_classifier`` returns.
        logit_scale: multiplies the cosine similarities before the softmax.
    Returns:
        ``(B, C)`` probabilities: the softmax over classes of
        ``logit_scale * normalised image embedding @ classifier.T``; each row sums to 1.
    """
    # BEGIN SOLUTION
    with torch.no_grad():
        image_emb = F.normalize(model.encode_image(images), dim=-1)  # (B, D)
    logits = logit_scale * image_emb @ classifier.T                  # (B, C)
    return logits.softmax(dim=-1)                                    # (B, C)
    # END SOLUTION
