"""LoadSceneImage: a LoadImageFromFile that handles the images scene data
sets really hold, and a policy for the ones it cannot read.

Decoding (:func:`decode_image`, shared with ``tools/check_dataset.py``) uses
Pillow (OpenCV for plain JPEGs, same pixels) and yields ``H x W x 3`` uint8:

- the file is fully decoded (``Image.load()``), so a truncated JPEG fails
  here instead of turning grey or failing later in a crop;
- the EXIF orientation is applied (``ImageOps.exif_transpose``), as cv2 does
  for ``LoadImageFromFile``; a malformed EXIF block is ignored;
- every mode becomes RGB: ``1``, ``L``, ``P``, ``CMYK``, ``YCbCr``, ``HSV``
  through Pillow; 16-bit (``I;16*``) scaled by 255 / 65535 (Pillow's own
  conversion clips at 255, leaving a white image); ``I`` kept if within
  0..255, scaled as 16-bit if within 0..65535, else min-max stretched;
  ``F`` times 255 if within 0..1, kept if within 0..255, else stretched;
- transparency (``RGBA``, ``LA``, ``PA``, ``P`` with a transparent colour,
  premultiplied ``RGBa`` / ``La``) is composited on a fixed background,
  by default the ImageNet mean colour (124, 116, 104): the colour under
  transparent pixels is often black or leftover garbage, and the mean colour
  becomes about 0 after the usual normalisation.

Unreadable files (missing, zero bytes, not an image, truncated or corrupt)
follow ``bad_image``: ``'raise'`` stops with a :class:`UnreadableImageError`
(a :class:`~mmsal.errors.DataError`) naming the file and its sample index;
``'skip'`` logs a warning and returns None, so mmengine's
``BaseDataset.__getitem__`` draws another index (at most ``max_refetch``
times, 1000 by default; in ``test_mode`` mmengine raises instead). Skips
are counted in shared memory, so the count includes those in forked or
spawned dataloader workers; :class:`~mmsal.engine.BadImageHook` logs it
after each epoch.
"""
from __future__ import annotations
import io
from typing import Any, Dict, Optional, Sequence

import cv2
import mmcv
import numpy as np
import torch
from mmcv.transforms import LoadImageFromFile
from mmengine.fileio import get
from mmengine.logging import MMLogger
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageOps, UnidentifiedImageError

from ...errors import DataError, OptionError

POLICIES = ('raise', 'skip')
#: RGB composited under transparent pixels: the ImageNet mean colour.
DEFAULT_BACKGROUND = (124, 116, 104)
# Counter slots: 0 for the main process, 1.. for dataloader workers, so
# that concurrent workers never write the same slot.
_SLOTS = 64
_ALPHA_MODES = ('RGBA', 'LA', 'PA', 'RGBa', 'La')
_EXIF_ORIENTATION = 0x0112


class UnreadableImageError(DataError):
    """An image file that cannot be decoded; ``reason`` says why in a few
    words (without the path)."""

    def __init__(self, reason, path=None, message=None):
        self.reason = reason
        self.path = path
        if message is None:
            message = reason if path is None else f'{path}: {reason}'
        super().__init__(message)


def _describe(exc):
    """A short one-line reason for a decoding exception."""
    text = ' '.join(str(exc).split())
    if isinstance(exc, UnidentifiedImageError):
        return 'not an image (Pillow cannot identify the format)'
    if isinstance(exc, Image.DecompressionBombError):
        return f'too many pixels ({text})'
    if 'truncated' in text.lower():
        return f'truncated image ({text})'
    return f'corrupt image ({type(exc).__name__}: {text})'


def _stretch(arr):
    """Linearly map the finite range of ``arr`` to 0..255 (NaN to 0)."""
    arr = np.nan_to_num(
        arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(arr.min()), float(arr.max())
    if hi <= lo:
        return np.zeros(arr.shape, np.uint8)
    return np.rint((arr - lo) * (255.0 / (hi - lo))).astype(np.uint8)


def _gray_to_uint8(img):
    """8-bit grey levels of a 16-bit, 32-bit integer or float image."""
    arr = np.asarray(img)
    if img.mode.startswith('I;16'):
        arr = arr.astype(np.uint32)
        return ((arr * 255 + 32767) // 65535).astype(np.uint8)
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    finite = bool(np.isfinite(arr).all())
    if img.mode == 'F' and finite and lo >= 0 and hi <= 1:
        return np.rint(arr * 255.0).astype(np.uint8)
    if finite and lo >= 0 and hi <= 255:
        return np.rint(arr).astype(np.uint8)
    if img.mode == 'I' and lo >= 0 and hi <= 65535:
        arr = arr.astype(np.int64)
        return ((arr * 255 + 32767) // 65535).astype(np.uint8)
    return _stretch(arr)


def _to_rgb(img, background):
    """An ``H x W x 3`` uint8 RGB array of a decoded Pillow image."""
    mode = img.mode
    if mode == 'P' and 'transparency' in img.info:
        img, mode = img.convert('RGBA'), 'RGBA'
    if mode in _ALPHA_MODES:
        rgba = np.asarray(img.convert('RGBA'), dtype=np.float32)
        alpha = rgba[..., 3:] / 255.0
        bg = np.asarray(background, dtype=np.float32)
        out = rgba[..., :3] * alpha + bg * (1.0 - alpha)
        return np.rint(out).astype(np.uint8)
    if mode.startswith('I') or mode == 'F':
        gray = _gray_to_uint8(img)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode != 'RGB':
        try:
            img = img.convert('RGB')
        except ValueError as e:
            raise UnreadableImageError(f'unsupported image mode {mode} '
                                       f'({e})') from None
    return np.asarray(img, dtype=np.uint8)


def _plain_jpeg(img, data):
    """A complete (end-of-image marker present: truncated files still fail
    in Pillow), upright 8-bit RGB or grey JPEG, which OpenCV decodes to the
    same pixels faster than Pillow's decode and copy (docs/benchmarks.md)."""
    return (img.format == 'JPEG' and img.mode in ('RGB', 'L')
            and data.rstrip(b'\0').endswith(b'\xff\xd9')
            and img.getexif().get(_EXIF_ORIENTATION, 1) == 1)


def decode_image(data, background=DEFAULT_BACKGROUND, bgr=False):
    """Decode image bytes into an RGB array, or say why it cannot be done.

    Args:
        data (bytes): The encoded file.
        background (tuple[int]): RGB composited under transparent pixels.
            Defaults to :data:`DEFAULT_BACKGROUND` (124, 116, 104).
        bgr (bool): Return BGR (mmcv's order) instead. Defaults to False.

    Returns:
        ndarray: ``(H, W, 3)`` uint8 RGB (or BGR), EXIF orientation applied.

    Raises:
        UnreadableImageError: Empty, not an image, truncated or corrupt.
    """
    if not data:
        raise UnreadableImageError('empty file (0 bytes)')
    try:
        with Image.open(io.BytesIO(data)) as img:
            if _plain_jpeg(img, data):
                out = cv2.imdecode(
                    np.frombuffer(data, np.uint8),
                    cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
                if out is not None and out.shape[:2] == img.size[::-1]:
                    return out if bgr else cv2.cvtColor(out, cv2.COLOR_BGR2RGB)
            img.load()  # a real decode: truncated data fails here
            try:
                oriented = ImageOps.exif_transpose(img)
            except Exception:  # malformed EXIF: keep the stored orientation
                oriented = img
            rgb = _to_rgb(oriented, background)
    except UnreadableImageError:
        raise
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError
        raise UnreadableImageError(_describe(e)) from None
    if rgb.ndim != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise UnreadableImageError(f'empty image (shape {rgb.shape})')
    return mmcv.rgb2bgr(rgb) if bgr else rgb  # cv2: 25x numpy's flip


def read_image(path,
               backend_args=None,
               background=DEFAULT_BACKGROUND,
               bgr=False):
    """Read ``path`` through mmengine's file backends and decode it.

    Args:
        path (str): Local path or backend URI (``s3://...``).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
        background (tuple[int]): See :func:`decode_image`. Defaults to
            (124, 116, 104).
        bgr (bool): Return BGR. Defaults to False.

    Returns:
        ndarray: ``(H, W, 3)`` uint8 RGB (or BGR).

    Raises:
        UnreadableImageError: The file is missing or cannot be decoded; the
            message names ``path``.
    """
    try:
        data = get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise UnreadableImageError('file not found', path) from None
    except Exception as e:  # permissions, backend errors
        raise UnreadableImageError(
            f'cannot read file ({type(e).__name__}: {e})', path) from None
    try:
        return decode_image(data, background, bgr)
    except UnreadableImageError as e:
        raise UnreadableImageError(e.reason, path) from None


@TRANSFORMS.register_module()
class LoadSceneImage(LoadImageFromFile):
    """Load an image as mmcv's ``LoadImageFromFile`` does (``img`` as BGR
    uint8 ``H x W x 3``, ``img_shape``, ``ori_shape``), decoding any image
    mode and orientation (see the module docstring), with a policy for
    unreadable files.

    A subclass of ``LoadImageFromFile``, so code that looks for the loader
    of a pipeline (the saliency refresh of :class:`SaliencyHook`) uses it.

    Args:
        bad_image (str): ``'raise'`` (stop with an error naming the file and
            its sample index) or ``'skip'`` (warn, count, and let the
            dataset draw another sample). Defaults to ``'raise'``.
        to_float32 (bool): Return a float32 image. Defaults to False.
        background (tuple[int]): RGB composited under transparent pixels.
            Defaults to (124, 116, 104), the ImageNet mean colour.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 bad_image: str = 'raise',
                 to_float32: bool = False,
                 background: Sequence[int] = DEFAULT_BACKGROUND,
                 backend_args: Optional[dict] = None) -> None:
        if bad_image not in POLICIES:
            raise OptionError(f'LoadSceneImage: bad_image must be one of '
                              f'{POLICIES}, got {bad_image!r}')
        bg = tuple(background) if isinstance(background, (list, tuple)) else ()
        if len(bg) != 3 or not all(
                isinstance(v, (int, np.integer)) and 0 <= v <= 255
                for v in bg):
            raise OptionError('LoadSceneImage: background must be three '
                              f'integers in 0..255 (RGB), got {background!r}')
        super().__init__(to_float32=to_float32, backend_args=backend_args)
        self.bad_image = bad_image
        self.background = tuple(int(v) for v in bg)
        # shared memory: forked / spawned workers add to the same counts
        self._skips = torch.zeros(_SLOTS, dtype=torch.int64).share_memory_()

    @property
    def skipped(self) -> int:
        """Files skipped since the last :meth:`reset_skipped`, over the main
        process and every dataloader worker."""
        return int(self._skips.sum())

    def reset_skipped(self) -> int:
        """Return :attr:`skipped` and set it back to 0."""
        count = self.skipped
        self._skips.zero_()
        return count

    def _count_skip(self) -> None:
        info = torch.utils.data.get_worker_info()
        slot = 0 if info is None else 1 + info.id % (_SLOTS - 1)
        self._skips[slot] += 1

    def transform(self, results: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        path = results['img_path']
        try:
            img = read_image(
                path, self.backend_args, self.background, bgr=True)
        except UnreadableImageError as e:
            idx = results.get('sample_idx')
            if self.bad_image == 'raise':
                raise UnreadableImageError(
                    e.reason, path,
                    f'LoadSceneImage: cannot read image {path} (sample_idx '
                    f"{idx}): {e.reason}; LoadSceneImage(bad_image='skip') "
                    'trains without it') from None
            self._count_skip()
            MMLogger.get_current_instance().warning(
                f'LoadSceneImage: skipped unreadable image {path} '
                f'(sample_idx {idx}): {e.reason}')
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(bad_image={self.bad_image!r}, '
                f'to_float32={self.to_float32}, background={self.background}'
                f', backend_args={self.backend_args})')
