"""The demo-v6 scene generator: COCO-like scenes where guidance has room.

demo-v5's scenes (:mod:`~mmsal.datasets.demo_scenes`) hold 2-4 large
objects on a clutter background that is unique per scene, so random crops
already hold and share objects, a background identifies its image, and the
objects are the only high-contrast things (a contrast map points at an
object 0.9 of the time). demo-v6 changes exactly that:

- **objects**: 1-5 per scene, each 3-10 % of the 96 px image, log-uniform
  (most are small; 1.5-8 % and 1-8 per scene at 128 px, as first drafted,
  left MoCo v2 below random init: docs/protocol_demo_v6.md, "Tuning"), the
  same 10 classes (shape x pattern, random colours) drawn as in demo-v5:
  stripes and checks of 3-7 px, as on the labelled objects;
- **backgrounds** from a shared pool (``num_backgrounds``, 32 by default):
  about 60 training scenes share each one, so the background cannot tell
  two scenes apart;
- **distractors**: 3-7 irregular blobs of 2-10 % of the image each, of
  high-contrast texture that no class has (dots, blotches, waves), drawn
  behind the objects: a contrast map points at them about as often as at
  the objects;
- **masks**: every annotated object has its visible-pixel mask, written as
  COCO uncompressed RLE, for the oracle maps and the crop measures.

The labelled single-object images (kNN bank, probes) are demo-v5's
(:func:`~mmsal.datasets.demo_scenes.render_object`: one large object on a
clutter background of its own). On backgrounds from the pool, the kNN
neighbours followed the background (a shared backdrop is most of a
labelled image): MoCo v2 trained on demo-v5 scored 16.2 there and 28.6 on
demo-v5's objects (docs/protocol_demo_v6.md, "Tuning").

Every image is drawn from its own seed ``(seed, split, index)``, so the same
settings give the same files on any machine with the same Pillow.
"""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .demo_scenes import (_SPLIT_IDS, CLASSES, _iou, _shape_mask, _texture,
                          visible_objects)

_POOL_ID = 5  # the background pool's seed stream, beside _SPLIT_IDS
AREA_RANGE = (0.03, 0.10)
NUM_OBJECTS = (1, 5)
NUM_DISTRACTORS = (3, 7)
DISTRACTOR_AREA = (0.02, 0.10)
DISTRACTOR_TEXTURES = ('dots', 'blotches', 'waves')
BLOB_RADII = 0.8  # smallest vertex radius of a blob, as a share of its box


def pool_background(seed, k, size):
    """Background ``k`` of the shared pool: a smooth colour field with a
    few large, soft shapes (walls, floors, furniture) - little contrast at
    the scale of the objects."""
    rng = np.random.default_rng([seed, _POOL_ID, k, size])
    base = rng.uniform(60, 195, size=3)
    coarse = np.clip(base + rng.uniform(-30, 30, size=(4, 4, 3)), 0, 255)
    img = Image.fromarray(coarse.astype(np.uint8)).resize((size, size),
                                                          Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 5))):
        colour = tuple(
            int(c) for c in np.clip(base + rng.normal(0, 35, 3), 0, 255))
        x0, y0 = rng.uniform(-0.2, 0.8, size=2) * size
        w, h = rng.uniform(0.3, 0.8, size=2) * size
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
    arr = np.asarray(
        img.filter(ImageFilter.GaussianBlur(size / 40)), dtype=np.float32)
    return arr + rng.normal(0, 4, size=arr.shape)


def _two_colours(rng):
    c0 = rng.uniform(0, 255, size=3)
    c1 = 255 - c0 + rng.normal(0, 20, size=3)
    return np.clip(c0, 0, 255), np.clip(c1, 0, 255)


def distractor_texture(rng, w, h):
    """High-contrast texture that no class has: random dots, blotchy noise
    or concentric waves, in two contrasting colours like the objects."""
    c0, c1 = _two_colours(rng)
    kind = DISTRACTOR_TEXTURES[int(rng.integers(len(DISTRACTOR_TEXTURES)))]
    if kind == 'dots':
        cell = int(rng.integers(2, 4))
        grid = rng.random((h // cell + 1, w // cell + 1)) < 0.5
        pick = np.kron(grid, np.ones((cell, cell), dtype=bool))[:h, :w]
    elif kind == 'blotches':
        noise = rng.normal(size=(max(2, h // 3), max(2, w // 3)))
        img = Image.fromarray(((noise > 0) * 255).astype(np.uint8))
        pick = np.asarray(img.resize((w, h), Image.BILINEAR)) > 127
    else:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        radius = np.hypot(ys - cy, xs - cx)
        pick = (radius // rng.uniform(1.5, 3.5)) % 2 == 0
    return np.where(pick[..., None], c0, c1)


def _blob_mask(rng, w, h):
    """An irregular polygon filling a ``w`` x ``h`` box."""
    n = int(rng.integers(5, 10))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(BLOB_RADII, 1.0, n)
    points = [((1 + r * np.cos(a)) * (w - 1) / 2,
               (1 + r * np.sin(a)) * (h - 1) / 2)
              for r, a in zip(radii, angles)]
    mask = Image.new('L', (w, h), 0)
    ImageDraw.Draw(mask).polygon(points, fill=255)
    return np.asarray(mask) > 127


def _box(rng, size, area_range):
    area = np.exp(rng.uniform(*np.log(area_range))) * size * size
    aspect = np.exp(rng.uniform(-0.3, 0.3))
    w = int(np.clip(round(np.sqrt(area * aspect)), 6, size))
    h = int(np.clip(round(np.sqrt(area / aspect)), 6, size))
    return (int(rng.integers(0, size - w + 1)),
            int(rng.integers(0, size - h + 1)), w, h)


def _draw(canvas, mask, texture, box):
    x, y, w, h = box
    canvas[y:y + h, x:x + w][mask] = texture[mask]
    full = np.zeros(canvas.shape[:2], dtype=bool)
    full[y:y + h, x:x + w] = mask
    return full


def _draw_object(canvas, rng, label, box):
    shape, texture = CLASSES[label].split('_')
    mask = _shape_mask(shape, box[2], box[3])
    return _draw(canvas, mask, _texture(rng, texture, box[2], box[3]), box)


def _draw_distractor(canvas, rng, box):
    mask = _blob_mask(rng, box[2], box[3])
    _draw(canvas, mask, distractor_texture(rng, box[2], box[3]), box)


def _finish(canvas):
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))


def render_scene_v6(seed,
                    split,
                    index,
                    size=96,
                    num_backgrounds=32,
                    max_overlap=0.3):
    """Draw one demo-v6 scene.

    Returns ``(PIL image, objects, background)``: each object is
    ``dict(label, bbox=[x, y, w, h], area, mask)`` with the bbox and area
    of its visible pixels and ``mask`` the ``(size, size)`` bool mask of
    them; ``background`` is the pool index. Objects overlap each other by
    at most ``max_overlap`` box IoU; one with under a quarter of its pixels
    visible is not annotated (it stays in the image)."""
    rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
    background = int(rng.integers(num_backgrounds))
    canvas = pool_background(seed, background, size)
    for _ in range(
            int(rng.integers(NUM_DISTRACTORS[0], NUM_DISTRACTORS[1] + 1))):
        _draw_distractor(canvas, rng, _box(rng, size, DISTRACTOR_AREA))
    boxes = []
    for _ in range(int(rng.integers(NUM_OBJECTS[0], NUM_OBJECTS[1] + 1))):
        for _attempt in range(20):
            box = _box(rng, size, AREA_RANGE)
            if all(_iou(box, b) <= max_overlap for b in boxes):
                boxes.append(box)
                break
    labels = [int(rng.integers(len(CLASSES))) for _ in boxes]
    masks = [
        _draw_object(canvas, rng, lab, box) for lab, box in zip(labels, boxes)
    ]
    return (_finish(canvas), visible_objects(labels, masks,
                                             keep_masks=True), background)


def mask_to_rle(mask):
    """COCO's uncompressed RLE of a bool mask: ``{'size': [h, w],
    'counts': [...]}``, run lengths in column-major order starting with a
    run of zeros (pycocotools reads it with ``frPyObjects``)."""
    flat = np.asarray(mask, dtype=bool).flatten(order='F')
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return dict(size=list(mask.shape), counts=[int(c) for c in counts])
