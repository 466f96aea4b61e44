"""numpy 2 and ``mmcv.adjust_hue``.

mmcv computes ``np.uint8(hue_factor * 255)``, which numpy 2 refuses for a
negative shift (``OverflowError``): about half of MoCo v2's ColorJitter
views failed. The replacement wraps the shift modulo 256 and gives mmcv's
pixels for shifts >= 0 on both backends.
"""
import cv2
import numpy as np

ORIGINAL = {}


def adjust_hue(img, hue_factor, backend=None):
    """Shift the hue of a BGR image by ``hue_factor`` of a full turn
    (``[-0.5, 0.5]``). Same arguments and, for shifts >= 0, the same output
    as ``mmcv.adjust_hue``; negative shifts wrap modulo 256 instead of
    raising under numpy 2."""
    if backend is None:
        from mmcv.image.io import imread_backend as backend
    if backend not in ('cv2', 'pillow'):
        raise ValueError(f'backend: {backend} is not supported. '
                         "Supported backends are 'cv2', 'pillow'")
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor: {hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and img.ndim in (2, 3)):
        raise TypeError('img should be ndarray with dim=[2 or 3].')
    shift = int(hue_factor * 255) % 256

    def rotate(hue):
        return ((hue.astype(np.uint16) + shift) % 256).astype(np.uint8)

    if backend == 'pillow':
        from PIL import Image
        rgb = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
        h, s, v = rgb.convert('HSV').split()
        h = Image.fromarray(rotate(np.asarray(h)))
        out = Image.merge('HSV', (h, s, v)).convert('RGB')
        return np.array(out, dtype=img.dtype)[..., ::-1]
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = rotate(hsv[..., 0])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(img.dtype)


def is_broken():
    import mmcv.image.photometric as photometric
    try:
        photometric.adjust_hue(
            np.zeros((1, 1, 3), np.uint8), -0.1, backend='cv2')
    except OverflowError:
        return True
    return False


def fix():
    import mmcv
    import mmcv.image
    import mmcv.image.photometric
    ORIGINAL['adjust_hue'] = mmcv.image.photometric.adjust_hue
    for mod in (mmcv, mmcv.image, mmcv.image.photometric):
        mod.adjust_hue = adjust_hue
