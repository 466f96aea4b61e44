"""A deterministic generator of small COCO-format scene images.

The demo data stands in for COCO on a CPU: cluttered, textured backgrounds with
2-4 objects from 10 classes. A class is a shape crossed with a texture
(``disk_stripes``, ``ring_checker``, ...); colours are drawn per object, so
colour alone never tells the class. Objects cover 3-25 % of the image and may
partly occlude each other.

Layout written under ``out_dir``::

    train2017/*.jpg, val2017/*.jpg          scene images
    annotations/instances_{train,val}2017.json   COCO boxes and categories
    objects/{train,val}/<class>/*.jpg       single objects, for kNN / probes
    objects/meta/{train,val}.txt            "<class>/<file> <label>" lines
    objects/meta/classes.txt                one class name per line
    demo_meta.json                          the settings; written last

Every image is drawn from its own seed ``(seed, split, index)``, so the same
settings give byte-identical files on any machine with the same Pillow.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SHAPES = ('disk', 'square', 'triangle', 'cross', 'ring')
TEXTURES = ('stripes', 'checker')
CLASSES = tuple(f'{s}_{t}' for s in SHAPES for t in TEXTURES)
_SPLIT_IDS = {
    'train2017': 1,
    'val2017': 2,
    'objects_train': 3,
    'objects_val': 4
}

BACKGROUNDS = ('clutter', 'calm')


def _background(rng, size, style='clutter'):
    """The scene behind the objects.

    ``'clutter'``: every 5 x 5 cell of low-frequency colour noise has its own
    random colour, plus bright clutter strokes: two crops of one scene share
    nothing but the objects they both show. ``'calm'``: one random base colour
    per scene with mild variation and muted strokes near it, as in photos
    where the lighting and the backdrop tie the whole scene together.
    """
    if style == 'calm':
        base = rng.uniform(50, 205, size=3)
        coarse = base + rng.uniform(-25, 25, size=(5, 5, 3))
        coarse = np.clip(coarse, 0, 255).astype(np.uint8)
    else:
        base = None
        coarse = rng.uniform(40, 215, size=(5, 5, 3)).astype(np.uint8)
    img = Image.fromarray(coarse).resize((size, size), Image.BICUBIC)
    arr = np.asarray(img, dtype=np.float32)
    arr += rng.normal(0, 10, size=arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(6, 14))):
        if base is None:
            colour = rng.uniform(60, 200, size=3)
        else:
            colour = np.clip(base + rng.normal(0, 30, size=3), 0, 255)
        colour = tuple(int(c) for c in colour)
        x0, y0 = rng.uniform(0, size, size=2)
        x1, y1 = np.array([x0, y0]) + rng.normal(0, size / 5, size=2)
        if rng.random() < 0.5:
            draw.line([x0, y0, x1, y1],
                      fill=colour,
                      width=int(rng.integers(1, 3)))
        else:
            r = rng.uniform(1, size / 20)
            draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def _shape_mask(shape, w, h):
    """A binary mask of ``shape`` filling a ``w`` x ``h`` box."""
    mask = Image.new('L', (w, h), 0)
    draw = ImageDraw.Draw(mask)
    if shape == 'disk':
        draw.ellipse([0, 0, w - 1, h - 1], fill=255)
    elif shape == 'square':
        draw.rectangle([0, 0, w - 1, h - 1], fill=255)
    elif shape == 'triangle':
        draw.polygon([(w / 2, 0), (w - 1, h - 1), (0, h - 1)], fill=255)
    elif shape == 'cross':
        draw.rectangle([w / 3, 0, 2 * w / 3, h - 1], fill=255)
        draw.rectangle([0, h / 3, w - 1, 2 * h / 3], fill=255)
    elif shape == 'ring':
        draw.ellipse([0, 0, w - 1, h - 1], fill=255)
        draw.ellipse([w * 0.3, h * 0.3, w * 0.7 - 1, h * 0.7 - 1], fill=0)
    return np.asarray(mask) > 127


def _texture(rng, texture, w, h):
    """Two contrasting random colours in a stripe or checker pattern."""
    c0 = rng.uniform(0, 255, size=3)
    c1 = 255 - c0 + rng.normal(0, 20, size=3)
    period = rng.uniform(3, 7)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if texture == 'stripes':
        angle = rng.uniform(0, np.pi)
        phase = xs * np.cos(angle) + ys * np.sin(angle)
        pick = (phase // period) % 2 == 0
    else:
        pick = ((xs // period) + (ys // period)) % 2 == 0
    out = np.where(pick[..., None], c0, c1)
    return np.clip(out, 0, 255).astype(np.uint8)


def _paste(canvas, rng, label, box):
    """Draw object ``label`` into ``box`` (x, y, w, h) of the HxWx3 array
    ``canvas``; return the object's visible-pixel mask on the canvas."""
    x, y, w, h = box
    shape, texture = CLASSES[label].split('_')
    mask = _shape_mask(shape, w, h)
    canvas[y:y + h, x:x + w][mask] = _texture(rng, texture, w, h)[mask]
    full = np.zeros(canvas.shape[:2], dtype=bool)
    full[y:y + h, x:x + w] = mask
    return full


def _iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / float(aw * ah + bw * bh - inter)


def visible_objects(labels, masks, keep_masks=False):
    """The annotations of objects drawn in order (later ones on top):
    ``dict(label, bbox=[x, y, w, h], area)`` of each object's visible
    pixels, with its visible ``mask`` if ``keep_masks``. An object with
    under a quarter of its pixels visible is mostly hidden: not annotated
    (it stays in the image)."""
    objects = []
    for i, (label, mask) in enumerate(zip(labels, masks)):
        visible = mask.copy()
        for later in masks[i + 1:]:
            visible &= ~later
        ys, xs = np.nonzero(visible)
        if len(xs) < 0.25 * mask.sum():
            continue
        x0, y0 = int(xs.min()), int(ys.min())
        bbox = [x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1]
        obj = dict(label=label, bbox=bbox, area=int(len(xs)))
        if keep_masks:
            obj['mask'] = visible
        objects.append(obj)
    return objects


def render_scene(seed,
                 split,
                 index,
                 size=96,
                 area_range=(0.03, 0.25),
                 max_overlap=0.3,
                 background='clutter'):
    """Draw one scene. Returns ``(PIL image, objects)`` where each object is
    ``dict(label, bbox=[x, y, w, h], area)`` with the bbox around its visible
    pixels; later objects may partly cover earlier ones (IoU of their boxes
    at most ``max_overlap``). An object with under a quarter of its pixels
    visible is not annotated."""
    rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
    canvas = np.array(_background(rng, size, background))
    boxes, labels = [], []
    for _ in range(int(rng.integers(2, 5))):
        for _attempt in range(20):
            area = rng.uniform(*area_range) * size * size
            aspect = np.exp(rng.uniform(-0.3, 0.3))
            w = int(np.clip(round(np.sqrt(area * aspect)), 6, size))
            h = int(np.clip(round(np.sqrt(area / aspect)), 6, size))
            x = int(rng.integers(0, size - w + 1))
            y = int(rng.integers(0, size - h + 1))
            if all(_iou((x, y, w, h), b) <= max_overlap for b in boxes):
                boxes.append((x, y, w, h))
                labels.append(int(rng.integers(len(CLASSES))))
                break
    masks = [_paste(canvas, rng, lab, box) for lab, box in zip(labels, boxes)]
    return Image.fromarray(canvas), visible_objects(labels, masks)


def render_object(seed, split, index, size=64, background='clutter'):
    """One centred object on a scene background, for the labelled split.
    The class cycles with ``index`` so every class is equally frequent."""
    rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
    label = index % len(CLASSES)
    canvas = np.array(_background(rng, size, background))
    side = int(size * rng.uniform(0.5, 0.8))
    x = int((size - side) / 2 + rng.uniform(-0.1, 0.1) * size)
    y = int((size - side) / 2 + rng.uniform(-0.1, 0.1) * size)
    x, y = min(max(x, 0), size - side), min(max(y, 0), size - side)
    _paste(canvas, rng, label, (x, y, side, side))
    return Image.fromarray(canvas), label
