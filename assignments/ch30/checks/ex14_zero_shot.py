# NOTE TO ENGINEERS (temporary): read /work/main/ENGINEERS_READ_FIRST.md before writing anything; do not git commit.
"""Checks for exercise 14 (zero-shot classification with CLIP).

Most checks hand the submission a probe model from the kit (``kit.probes.TableCLIP``),
whose text embeddings come from a table drawn here and whose image embeddings are the
images' first D values, so the expected classifier rows and probabilities are computed
here by hand. The accuracy checks run the shipped TinyCLIP end to end.
"""
import functools

import mmkit
import torch
import torch.nn.functional as F

from autograder import check, expect, expect_close, expect_equal, expect_tensor

D = 16                    # the probes' embedding width
IMAGE_SHAPE = (3, 4, 4)   # probe "images": their first D flattened values are the embedding
WORDS = ("circle", "square", "triangle", "cross", "star", "heart", "moon", "arrow", "ring",
         "hexagon", "diamond", "spiral", "cloud", "drop", "leaf", "bolt")
TEMPLATES = ("a photo of a {}.", "a drawing of a {}!", "{} in the shapes world", "a big {}.",
             "this is a {}", "a {} on a dark background.", "my favourite shape: {}")

SOFTMAX_HINT = "apply the softmax over the class dimension (the last one), once per image"
NORMALISE_HINT = "L2-normalise the image embeddings (each row) before the dot product"


# ---------------------------------------------------------------------------- inputs


def draw_names(rng, n):
    """n distinct class names in an order drawn for this run, never alphabetical (so
    code that re-orders the classes cannot pass by luck)."""
    names = [WORDS[i] for i in torch.randperm(len(WORDS), generator=rng)[:n].tolist()]
    if names == sorted(names):
        names[0], names[1] = names[1], names[0]
    return names


def draw_permutation(rng, n):
    """A random permutation of range(n) that is not the identity."""
    perm = torch.randperm(n, generator=rng)
    return perm.roll(1) if bool((perm == torch.arange(n)).all()) else perm


def draw_templates(rng, k):
    return [TEMPLATES[i] for i in torch.randperm(len(TEMPLATES), generator=rng)[:k].tolist()]


def unit_rows(rng, n, d=D):
    return F.normalize(torch.randn(n, d, generator=rng), dim=-1)  # (n, d)


def log_uniform(rng, shape, lo, hi):
    """Positive factors spread evenly in log space between lo and hi."""
    u = torch.rand(shape, generator=rng)
    return torch.exp(torch.log(torch.tensor(lo)) + u * (torch.log(torch.tensor(hi / lo))))


def as_images(emb, rng):
    """(B, D) embeddings -> (B, 3, 4, 4) images whose first D flattened values are them."""
    images = torch.rand(emb.shape[0], *IMAGE_SHAPE, generator=rng)  # (B, 3, 4, 4)
    images.view(emb.shape[0], -1)[:, : emb.shape[1]] = emb
    return images


def probe(kit, table=None):
    """A TableCLIP on the submission's side: text from ``table``, images pass through."""
    return kit.probes.TableCLIP(text_table=table or {}, dim=D)


def draw_table(rng, names, templates, lo=0.05, hi=20.0):
    """prompt -> (D,) vector in a random direction, norms spread between lo and hi."""
    prompts = [t.format(n) for n in names for t in templates]
    vectors = unit_rows(rng, len(prompts)) * log_uniform(rng, (len(prompts), 1), lo, hi)
    return dict(zip(prompts, vectors))


def expected_classifier(table, names, templates):
    """Per class: mean of the L2-normalised template embeddings, normalised again."""
    rows = [F.normalize(torch.stack([table[t.format(n)] for t in templates]), dim=-1).mean(0)
            for n in names]
    return F.normalize(torch.stack(rows), dim=-1)  # (C, D)


def predict(sub, model, images, classifier, **kwargs):
    B, C = images.shape[0], classifier.shape[0]
    return expect_tensor(sub.zero_shot_predict(model, images, classifier, **kwargs),
                         shape=(B, C),
                         what=f"zero_shot_predict of {B} image(s) against {C} classes",
                         hint="return one row of class probabilities per image: (B, C)")


def classify(sub, model, names, templates):
    return expect_tensor(sub.zero_shot_classifier(model, names, templates),
                         shape=(len(names), D),
                         what=f"zero_shot_classifier of {len(names)} classes and "
                              f"{len(templates)} template(s)",
                         hint="one row per class, in the order of class_names: (C, D)")


# ---------------------------------------------------------------------------- checks


@check("ex14.build_prompts", points=0.5)
def build_prompts(sub, rng):
    """build_prompts fills each class name into the template, the default one and others."""
    names = draw_names(rng, 4)
    expect_equal(sub.build_prompts(names), [f"a photo of a {n}." for n in names],
                 what=f"build_prompts({names}) with the default template",
                 hint='the default template is "a photo of a {}." (with the full stop)')
    for template in draw_templates(rng, 3):
        want = [template.format(n) for n in names]
        hint = "fill each name into the template argument you are given, in order"
        expect_equal(sub.build_prompts(names, template), want,
                     what=f"build_prompts({names}, {template!r})", hint=hint)
        expect_equal(sub.build_prompts(names, template=template), want,
                     what=f"build_prompts({names}, template={template!r})", hint=hint)
    expect_equal(sub.build_prompts([]), [], what="build_prompts([])")


@check("ex14.probabilities", points=1)
def probabilities(sub, kit, rng):
    """Each row of zero_shot_predict is a distribution over classes, for B=1 too."""
    model = probe(kit)
    for B, C, scale in [(1, 3, None), (1, 5, 3.0), (5, 3, None), (4, 4, 2.0), (3, 7, 10.0)]:
        emb = unit_rows(rng, B) * log_uniform(rng, (B, 1), 0.5, 2.0)      # (B, D)
        kwargs = {} if scale is None else {"logit_scale": scale}
        p = predict(sub, model, as_images(emb, rng), unit_rows(rng, C), **kwargs)
        where = f"for {B} image(s) and {C} classes"
        expect(bool((p >= 0).all() and (p <= 1).all()),
               f"probabilities {where} should lie in [0, 1], got values from "
               f"{p.min().item():.4g} to {p.max().item():.4g}",
               "return probabilities (after a softmax), not the logits")
        expect_close(p.sum(dim=-1), torch.ones(B), atol=1e-5, rtol=0,
                     what=f"each row's sum of probabilities {where}", hint=SOFTMAX_HINT)


@check("ex14.permute_classes", points=0.5)
def permute_classes(sub, kit, rng):
    """Permuting the classifier's rows (or the class names) permutes the output's columns."""
    model = probe(kit)
    B, C = 5, 6
    images, classifier = as_images(unit_rows(rng, B), rng), unit_rows(rng, C)
    perm = draw_permutation(rng, C)
    p = predict(sub, model, images, classifier, logit_scale=5.0)
    q = predict(sub, model, images, classifier[perm], logit_scale=5.0)
    expect_close(q, p[:, perm], atol=1e-5, rtol=1e-4,
                 what="probabilities with the classifier's rows permuted",
                 hint="column c must score class c: multiply by the classifier's transpose "
                      "(a reshape is not a transpose)")
    names, templates = draw_names(rng, 4), draw_templates(rng, 2)
    model = probe(kit, draw_table(rng, names, templates))
    rows = classify(sub, model, names, templates)
    order = draw_permutation(rng, 4)
    permuted = classify(sub, model, [names[i] for i in order.tolist()], templates)
    expect_close(permuted, rows[order], atol=1e-5, rtol=1e-4,
                 what="classifier rows with the class names permuted",
                 hint="row c must come from class_names[c] alone")


@check("ex14.scale_invariance", points=0.5)
def scale_invariance(sub, kit, rng):
    """Rescaling each image's embedding by its own positive factor changes nothing."""
    model = probe(kit)
    B, C = 6, 5
    emb, classifier = unit_rows(rng, B), unit_rows(rng, C)       # (B, D), (C, D)
    factors = log_uniform(rng, (B, 1), 0.05, 20.0)               # (B, 1)
    p = predict(sub, model, as_images(emb, rng), classifier, logit_scale=4.0)
    q = predict(sub, model, as_images(emb * factors, rng), classifier, logit_scale=4.0)
    expect_close(q, p, atol=1e-5, rtol=1e-4,
                 what=f"probabilities after rescaling the image embeddings by "
                      f"{[round(f, 3) for f in factors.flatten().tolist()]}",
                 hint=NORMALISE_HINT)


@check("ex14.classifier_rows", points=0.5)
def classifier_rows(sub, kit, rng):
    """One template gives the normalised prompt embeddings; several give unit-norm rows."""
    names, templates = draw_names(rng, 4), draw_templates(rng, 3)
    table = draw_table(rng, names, templates)
    model = probe(kit, table)
    one = classify(sub, model, names, templates[:1])
    want = F.normalize(torch.stack([table[templates[0].format(n)] for n in names]), dim=-1)
    expect_close(one, want, atol=1e-5, rtol=1e-4,
                 what=f"zero_shot_classifier with the one template {templates[0]!r}",
                 hint="row c is class c's prompt embedding, L2-normalised")
    rows = classify(sub, model, names, templates)
    expect_close(rows.norm(dim=-1), torch.ones(len(names)), atol=1e-5, rtol=0,
                 what=f"the norms of the classifier's rows with {len(templates)} templates",
                 hint="the average of unit vectors is shorter than 1: normalise it again")


@check("ex14.logit_scale", points=1, hidden=True)
def logit_scale(sub, kit, rng):
    """Known probabilities: softmax of logit_scale times known cosines, default scale 100."""
    B, C = 4, 5
    classifier = torch.linalg.qr(torch.randn(D, C, generator=rng))[0].T     # (C, D) orthonormal
    cosines = 0.3 + 0.03 * torch.randn(B, C, generator=rng)                 # (B, C)
    rest = torch.randn(B, D, generator=rng)
    rest = F.normalize(rest - rest @ classifier.T @ classifier, dim=-1)     # orthogonal part
    unit = cosines @ classifier + (1 - cosines.square().sum(-1, keepdim=True)).sqrt() * rest
    emb = unit * log_uniform(rng, (B, 1), 0.2, 5.0)                         # (B, D)
    model, images = probe(kit), as_images(emb, rng)
    drawn = round(float(log_uniform(rng, (), 2.0, 40.0)), 3)
    for scale in (1.0, drawn, None):
        want = (100.0 if scale is None else scale) * cosines
        if scale is None:
            got = predict(sub, model, images, classifier)
            what = "probabilities with the default logit_scale"
        else:
            got = sub.zero_shot_predict(model, images, classifier, scale)
            got = expect_tensor(got, shape=(B, C), what=f"zero_shot_predict(..., {scale})")
            what = f"probabilities with logit_scale={scale}"
        expect_close(got, want.softmax(dim=-1), atol=1e-4, rtol=1e-3, what=what,
                     hint="multiply the cosine similarities by the logit_scale argument "
                          "(default 100), then take the softmax over classes")


@check("ex14.template_averaging", points=1, hidden=True)
def template_averaging(sub, kit, rng):
    """Prompt ensembling: normalise each template embedding, average, normalise again."""
    names, templates = draw_names(rng, 5), draw_templates(rng, 4)
    table = draw_table(rng, names, templates, lo=0.02, hi=50.0)
    rows = classify(sub, probe(kit, table), names, templates)
    expect_close(rows, expected_classifier(table, names, templates), atol=1e-5, rtol=1e-4,
                 what=f"classifier rows from {len(templates)} templates whose embeddings "
                      "have very different norms",
                 hint="every template must count equally, whatever its embedding's norm")


# ---------------------------------------------------------------------------- TinyCLIP

ACCURACY_N = 48  # held-out images per accuracy check; classes take turns, so balanced
# Prompts the caption grammar makes in-distribution: "a photo of a {shape}." and
# "a {shape} {where}." for every position, so the ensemble averages over positions.
SHAPE_TEMPLATES = ("a photo of a {}.", "a {} on the left.", "a {} on the right.",
                   "a {} at the top.", "a {} at the bottom.", "a {} in the center.")
MIN_ACCURACY = 0.80  # shipped TinyCLIP: >= 0.95 on every 48-image draw tried; chance 0.25
SLACK = 2            # images a correct submission may classify differently from the reference


@functools.lru_cache(maxsize=1)
def trusted_clip():
    """The shipped TinyCLIP, loaded in the grader's own process."""
    return mmkit.load_clip()


def held_out(rng, attribute):
    """ACCURACY_N held-out images of the kit's world, from a seed drawn for this run."""
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=rng))
    return mmkit.classification_set(ACCURACY_N, seed, attribute)


def accuracy_of(probs, labels):
    return (probs.argmax(dim=-1) == labels).float().mean().item()


def ensemble_probs(sub, model, data, templates):
    """Probabilities from the submission's classifier and predict on a kit model."""
    names = data["class_names"]
    classifier = expect_tensor(sub.zero_shot_classifier(model, names, list(templates)),
                               shape=(len(names), None),
                               what=f"zero_shot_classifier(load_clip(), {names}, ...)")
    B, C = data["images"].shape[0], len(names)
    return expect_tensor(sub.zero_shot_predict(model, data["images"], classifier),
                         shape=(B, C),
                         what=f"zero_shot_predict(load_clip(), {B} images, classifier)")


@check("ex14.accuracy", points=0.5)
def accuracy(sub, kit, rng):
    """The shipped TinyCLIP through your functions classifies held-out shapes far above chance."""
    data = held_out(rng, "shape")
    acc = accuracy_of(ensemble_probs(sub, kit.load_clip(), data, SHAPE_TEMPLATES), data["labels"])
    chance = 1 / len(data["class_names"])
    expect(acc >= MIN_ACCURACY,
           f"zero-shot accuracy of the shipped TinyCLIP on {ACCURACY_N} held-out shape images, "
           f"with your classifier from {len(SHAPE_TEMPLATES)} templates, was {acc:.2f}; a correct "
           f"implementation gets at least {MIN_ACCURACY:.2f} (chance is {chance:.2f})",
           "column c of the probabilities must score class_names[c]; check each step on a "
           "few images by hand")


@check("ex14.accuracy_matches_reference", points=0.5, hidden=True)
def accuracy_matches_reference(sub, ref, kit, rng):
    """Single-template and ensemble accuracy on held-out shapes match the reference's."""
    model, mine, data = kit.load_clip(), trusted_clip(), held_out(rng, "shape")
    names, labels, template = data["class_names"], data["labels"], SHAPE_TEMPLATES[0]
    chance = 1 / len(names)
    prompts = sub.build_prompts(names, template)
    expect(isinstance(prompts, list) and len(prompts) == len(names)
           and all(isinstance(p, str) for p in prompts),
           f"build_prompts({names}, {template!r}) should return {len(names)} strings")
    single = F.normalize(model.encode_text(prompts), dim=-1)                        # (C, D)
    got = {f"one template {template!r}": sub.zero_shot_predict(model, data["images"], single),
           f"{len(SHAPE_TEMPLATES)} templates": ensemble_probs(sub, model, data, SHAPE_TEMPLATES)}
    # Both reference classifiers in one pass over the images: a softmax keeps the order
    # within a row, so each half's argmax is that classifier's own prediction.
    both = ref.zero_shot_predict(mine, data["images"], torch.cat([
        ref.zero_shot_classifier(mine, names, [template]),
        ref.zero_shot_classifier(mine, names, list(SHAPE_TEMPLATES))]))             # (B, 2C)
    want = dict(zip(got, both.split(len(names), dim=-1)))
    for how, probs in got.items():
        probs = expect_tensor(probs, shape=(ACCURACY_N, len(names)),
                              what=f"zero_shot_predict with {how}")
        acc, ref_acc = accuracy_of(probs, labels), accuracy_of(want[how], labels)
        expect(abs(acc - ref_acc) * ACCURACY_N <= SLACK and acc > chance,
               f"zero-shot shape accuracy of TinyCLIP on {ACCURACY_N} held-out images with "
               f"{how} was {acc:.3f}; the reference gets {ref_acc:.3f} (chance is {chance:.2f})",
               "build the classifier and the probabilities exactly as the docstrings say")
