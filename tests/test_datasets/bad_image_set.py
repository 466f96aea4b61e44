"""The bad-image set shared by test_loading.py and test_bad_images.py: every
odd image mode, tiny and extreme sizes, and three unreadable files."""
import io
import itertools

import numpy as np
from PIL import Image

BG = (124, 116, 104)  # LoadSceneImage's default background
RED, BLUE = (255, 0, 0), (0, 0, 255)
BAD = {  # unreadable file -> words its reason must contain
    'empty.jpg': 'empty file',
    'not_an_image.jpg': 'not an image',
    'truncated.jpg': 'truncated',
}
GOOD = ('gray.png', 'palette.png', 'palette_transparent.png', 'rgba.png',
        'la.png', 'cmyk.jpg', 'gray16.png', 'float.tif', 'bilevel.png',
        'exif_rotated.jpg', 'one_pixel.png', 'tiny.png', 'wide.jpg',
        'tall.png')
SMALL = ('one_pixel.png', 'tiny.png')  # under 32 px on a side
EXTREME = ('wide.jpg', 'tall.png')  # aspect ratio 200:1
_IDS = itertools.count()  # unique logger / message hub names


def write_bad_images(folder):
    """Every case of the bad-image set under ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    # readable cases at least 32 px on a side: only SMALL / EXTREME are odd
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (32, 1))
    Image.fromarray(ramp, 'L').save(folder / 'gray.png')
    pal = Image.new('P', (32, 32))
    pal.putpalette([*RED, *BLUE] + [0] * 762)
    pal.paste(1, (16, 0, 32, 32))  # left half index 0 (red), right 1 (blue)
    pal.save(folder / 'palette.png')
    pal.save(folder / 'palette_transparent.png', transparency=1)
    rgba = np.zeros((32, 48, 4), np.uint8)
    rgba[:, :16] = (*RED, 255)  # opaque red
    rgba[:, 16:32] = (*BLUE, 0)  # transparent: the colour must not show
    rgba[:, 32:] = (*BLUE, 128)  # half-transparent blue
    Image.fromarray(rgba, 'RGBA').save(folder / 'rgba.png')
    Image.fromarray(rgba[..., [0, 3]], 'LA').save(folder / 'la.png')
    Image.new('CMYK', (32, 32), (0, 255, 255, 0)).save(folder / 'cmyk.jpg')
    gray16 = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (32, 1))
    Image.fromarray(gray16).save(folder / 'gray16.png')  # mode I;16
    Image.fromarray(
        np.tile(np.linspace(0, 1, 32, dtype=np.float32), (32, 1)),
        'F').save(folder / 'float.tif')
    Image.new('1', (32, 32), 1).save(folder / 'bilevel.png')
    # EXIF orientation 6 (display = stored turned 90 degrees clockwise):
    # stored 80 wide x 40 high with a red top-left block.
    stored = np.zeros((40, 80, 3), np.uint8)
    stored[:20, :20] = RED
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(
        folder / 'exif_rotated.jpg', exif=exif, quality=95)
    Image.new('RGB', (1, 1), (10, 200, 30)).save(folder / 'one_pixel.png')
    Image.new('RGB', (5, 3), (200, 10, 30)).save(folder / 'tiny.png')
    wide = np.random.default_rng(0).integers(0, 256, (20, 4000, 3), np.uint8)
    Image.fromarray(wide).save(folder / 'wide.jpg')
    Image.fromarray(wide.transpose(1, 0, 2).copy()).save(folder / 'tall.png')
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, 'JPEG', quality=90)
    (folder / 'truncated.jpg').write_bytes(
        buf.getvalue()[:len(buf.getvalue()) // 2])
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'not_an_image.jpg').write_text('this is not an image\n')
    return folder
