"""Pictures of what the saliency does: heat maps, crops, grids.

One row per image: the image | its saliency map as a heat-map overlay | the
sampled crops drawn as boxes on the image, each with its saliency score |
each crop itself (its region of the image) with its score. Images are RGB
``uint8`` arrays ``(H, W, 3)``; every tile is a ``tile`` x ``tile`` square
(the picture letterboxed into it), so a grid of ``R`` rows and ``C``
columns has a predictable size (:func:`grid_size`).

The crops drawn come from :func:`mmsal.visualization.sample_crops`
(crop_samples.py): the training crop itself, without touching the
training's random stream.
"""
import cv2
import numpy as np

# Box colours (RGB), cycled; saturated, so they stand out on photos.
PALETTE = ((0, 255, 255), (255, 0, 255), (0, 255, 0), (255, 255, 0),
           (255, 128, 0), (0, 128, 255), (255, 0, 0), (255, 255, 255))
BACKGROUND = (255, 255, 255)  # between tiles
EMPTY = (200, 200, 200)  # around a letterboxed picture inside its tile
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def column_titles(num_crops):
    """Titles of the columns of a row with ``num_crops`` crops."""
    return ['image', 'saliency', 'crops'
            ] + [f'crop {i + 1}' for i in range(num_crops)]


def _font_scale(tile):
    return max(0.3, tile / 400)


def title_height(tile):
    """Height in pixels of the title strip above a grid of ``tile`` tiles."""
    (_, h), base = cv2.getTextSize('Ag', _FONT, _font_scale(tile), 1)
    return h + base + 6


def grid_size(num_rows, num_cols, tile, pad=4, titles=True):
    """``(height, width)`` of :func:`make_grid`'s output."""
    height = num_rows * tile + (num_rows + 1) * pad
    width = num_cols * tile + (num_cols + 1) * pad
    return height + (title_height(tile) if titles else 0), width


def heatmap(saliency, height, width):
    """A saliency map upsampled to ``height`` x ``width`` as RGB colours.

    Args:
        saliency (ndarray): ``(S, S)`` map in [0, 1] covering the image.
        height (int): Output height.
        width (int): Output width.

    Returns:
        ndarray: ``(height, width, 3)`` uint8, jet colours (blue = 0,
        red = 1).
    """
    sal = np.clip(np.asarray(saliency, dtype=np.float32), 0, 1)
    up = cv2.resize(
        sal, (int(width), int(height)), interpolation=cv2.INTER_LINEAR)
    levels = np.rint(np.clip(up, 0, 1) * 255).astype(np.uint8)
    return cv2.cvtColor(
        cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def overlay(img, saliency, alpha=0.5, grey=True):
    """``img`` blended with the heat map of ``saliency`` (weight ``alpha``).

    Args:
        img (ndarray): RGB uint8 image.
        saliency (ndarray): ``(S, S)`` map in [0, 1] covering the image.
        alpha (float): Weight of the heat map. Defaults to 0.5.
        grey (bool): Blend with the image in grey levels, so that the heat
            colours read on colourful images. Defaults to True.

    Returns:
        ndarray: ``(H, W, 3)`` uint8.
    """
    img = _rgb(img)
    if grey:
        img = cv2.cvtColor(
            cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    heat = heatmap(saliency, img.shape[0], img.shape[1])
    return cv2.addWeighted(heat, float(alpha), img, 1 - float(alpha), 0)


def _rgb(img):
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, 2)
    return np.ascontiguousarray(img[..., :3].astype(np.uint8))


def letterbox(img, tile, fill=EMPTY):
    """Fit ``img`` into a ``tile`` x ``tile`` square, centred.

    Args:
        img (ndarray): RGB (or grey) image.
        tile (int): Side of the square.
        fill (tuple): Colour around the picture. Defaults to light grey.

    Returns:
        tuple: ``(square, scale, (ox, oy))``: image pixel ``(x, y)`` is at
        ``(x * scale + ox, y * scale + oy)`` in the square.
    """
    img = _rgb(img)
    h, w = img.shape[:2]
    scale = tile / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(img, (nw, nh), interpolation=interp)
    square = np.empty((tile, tile, 3), np.uint8)
    square[:] = fill
    oy, ox = (tile - nh) // 2, (tile - nw) // 2
    square[oy:oy + nh, ox:ox + nw] = small
    return square, scale, (ox, oy)


def _label_box(img, text, org, scale):
    """Where ``put_label`` writes: ``(x1, y1, x2, y2)``, inside ``img``."""
    (tw, th), base = cv2.getTextSize(text, _FONT, scale, 1)
    x = int(np.clip(org[0], 0, max(0, img.shape[1] - tw - 2)))
    y = int(np.clip(org[1], 0, max(0, img.shape[0] - th - base - 2)))
    return x, y, x + tw + 2, y + th + base + 2


def put_label(img, text, org, color=(255, 255, 255), tile=None, avoid=()):
    """Write ``text`` in place with its top-left at ``org``, on a dark box
    so that it reads on any background; moved down past the boxes in
    ``avoid`` (labels already written). Returns its box."""
    scale = _font_scale(tile or max(img.shape[:2]))
    box = _label_box(img, text, org, scale)
    for _ in range(len(avoid)):
        hit = [
            b for b in avoid if box[0] < b[2] and b[0] < box[2]
            and box[1] < b[3] and b[1] < box[3]
        ]
        if not hit:
            break
        box = _label_box(img, text, (org[0], max(b[3] for b in hit)), scale)
    x, y, x2, y2 = box
    cv2.rectangle(img, (x, y), (x2, y2), (0, 0, 0), cv2.FILLED)
    (_, th), _ = cv2.getTextSize(text, _FONT, scale, 1)
    cv2.putText(img, text, (x + 1, y + th + 1), _FONT, scale,
                tuple(int(c) for c in color), 1, cv2.LINE_AA)
    return box


def _score_text(score):
    return f'{score:.2f}'


def boxes_tile(img, boxes, scores, tile):
    """``img`` letterboxed into a tile with every box drawn and scored.

    Args:
        img (ndarray): RGB image.
        boxes (ndarray): ``(K, 4)`` boxes ``x1, y1, x2, y2`` in pixels of
            ``img`` (``x2``, ``y2`` exclusive), coloured by :data:`PALETTE`.
        scores (Sequence[float]): Written at each box's top-left corner.
        tile (int): Side of the tile.

    Returns:
        ndarray: ``(tile, tile, 3)`` uint8.
    """
    square, scale, (ox, oy) = letterbox(img, tile)
    labels = []
    for i, (box, score) in enumerate(zip(boxes, scores)):
        color = PALETTE[i % len(PALETTE)]
        x1, y1, x2, y2 = (
            np.asarray(box, np.float64) * scale + [ox, oy, ox, oy])
        cv2.rectangle(square, (int(round(x1)), int(round(y1))),
                      (int(round(x2)) - 1, int(round(y2)) - 1), color, 1)
        labels.append(
            put_label(square, _score_text(score), (x1 + 1, y1 + 1), color,
                      tile, labels))
    return square


def crop_tile(img, box, score, tile, color=(255, 255, 255)):
    """The region ``box`` of ``img`` in a tile, framed in ``color``, with
    its score written on it."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    region = _rgb(img)[max(0, y1):max(y1 + 1, y2), max(0, x1):max(x1 + 1, x2)]
    square, _, _ = letterbox(region, tile)
    cv2.rectangle(square, (0, 0), (tile - 1, tile - 1), color, 2)
    put_label(square, _score_text(score), (3, 3), color, tile)
    return square


def saliency_row(img, saliency, boxes, scores, tile=160, label=None):
    """The tiles of one image's row (see the module docstring).

    Args:
        img (ndarray): RGB uint8 image.
        saliency (ndarray | None): Its ``(S, S)`` map, or None when it has
            none (warm-up); the saliency tile then says so.
        boxes (ndarray): ``(K, 4)`` crop boxes ``x1, y1, x2, y2`` in pixels.
        scores (Sequence[float]): The crops' saliency scores.
        tile (int): Tile side in pixels. Defaults to 160.
        label (str, optional): Written on the image tile (e.g. its index).

    Returns:
        list[ndarray]: ``3 + K`` tiles of ``(tile, tile, 3)``.
    """
    first, _, _ = letterbox(img, tile)
    if label:
        put_label(first, label, (2, 2), tile=tile)
    if saliency is None:
        second, _, _ = letterbox(np.full_like(_rgb(img), 128), tile)
        put_label(second, 'no map', (2, tile // 2), tile=tile)
    else:
        second, _, _ = letterbox(overlay(img, saliency), tile)
    tiles = [first, second, boxes_tile(img, boxes, scores, tile)]
    tiles += [
        crop_tile(img, box, score, tile, PALETTE[i % len(PALETTE)])
        for i, (box, score) in enumerate(zip(boxes, scores))
    ]
    return tiles


def make_grid(rows, pad=4, titles=None, fill=BACKGROUND):
    """Lay out rows of equal square tiles on one image.

    Args:
        rows (list[list[ndarray]]): Rows of ``(tile, tile, 3)`` tiles; a
            short row leaves its last cells empty.
        pad (int): Pixels between and around tiles. Defaults to 4.
        titles (list[str], optional): Column titles, in a strip on top.
        fill (tuple): Background colour. Defaults to white.

    Returns:
        ndarray: RGB uint8 of :func:`grid_size` ``(len(rows), columns,
        tile, pad, titles is not None)``.
    """
    tile = rows[0][0].shape[0]
    cols = max(len(r) for r in rows)
    if titles:
        cols = max(cols, len(titles))
    height, width = grid_size(len(rows), cols, tile, pad, bool(titles))
    grid = np.empty((height, width, 3), np.uint8)
    grid[:] = fill
    top = 0
    if titles:
        top = title_height(tile)
        scale = _font_scale(tile)
        for c, text in enumerate(titles):
            x = pad + c * (tile + pad)
            cv2.putText(grid, text, (x + 2, top - 4), _FONT, scale, (0, 0, 0),
                        1, cv2.LINE_AA)
    for r, row in enumerate(rows):
        y = top + pad + r * (tile + pad)
        for c, cell in enumerate(row):
            x = pad + c * (tile + pad)
            grid[y:y + tile, x:x + tile] = cell
    return grid
