"""Write the demo scenes to disk in COCO format, once.

:func:`make_demo_data` writes a full demo data set (see
:mod:`mmsal.datasets.demo_scenes` for the layout); :func:`ensure_demo_data`
is what configs use: it generates the data on first use, reuses it after, and
never overwrites a folder it did not write with the same settings.
"""
import json
import os
import os.path as osp
import shutil

from mmengine.dist import barrier, get_rank

from ..errors import DataError
from ..progress import Progress
from .demo_scenes import BACKGROUNDS, CLASSES, render_object, render_scene
from .demo_scenes_v6 import mask_to_rle, render_scene_v6

META_FILE = 'demo_meta.json'
#: the demo-v5 data (docs/results.md); every option a setting of the data
DEFAULTS = dict(
    num_train=2000,
    num_val=200,
    image_size=96,
    objects_per_class=(100, 50),
    object_size=64,
    seed=0,
    background='clutter',
    generator='v5',
    num_backgrounds=None)
#: the demo-v6 data (docs/protocol_demo_v6.md): COCO-like scenes from
#: :mod:`~mmsal.datasets.demo_scenes_v6`, with instance masks
DEMO_V6 = dict(
    generator='v6', image_size=96, background='pool', num_backgrounds=32)
GENERATORS = ('v5', 'v6')
#: what a dataset's ``demo_settings`` may name instead of a dict
PRESETS = dict(v5={}, v6=DEMO_V6)


def preset_settings(demo_settings):
    """A dataset's ``demo_settings`` as generator options: None or
    ``'v5'`` (the defaults), ``'v6'`` (``DEMO_V6``), or a dict of options,
    which may start from a preset: ``dict(preset='v6', seed=100)`` is
    another draw of the demo-v6 data."""
    if demo_settings is None:
        return {}
    if isinstance(demo_settings, str):
        demo_settings = dict(preset=demo_settings)
    options = dict(demo_settings)
    preset = options.pop('preset', 'v5')
    if preset not in PRESETS:
        raise DataError(f'demo_settings preset {preset!r}: use one of '
                        f'{sorted(PRESETS)}')
    return dict(PRESETS[preset], **options)


def _settings(**kwargs):
    unknown = set(kwargs) - set(DEFAULTS)
    if unknown:
        raise DataError(f'unknown demo data option(s): {sorted(unknown)}; '
                        f'known: {sorted(DEFAULTS)}')
    settings = dict(DEFAULTS, **kwargs)
    gen = settings['generator']
    if gen not in GENERATORS:
        raise DataError(f'demo data option generator={gen!r}: use one of '
                        f'{list(GENERATORS)}')
    if gen == 'v6':
        if settings['background'] != 'pool':
            raise DataError("demo data option background: generator='v6' "
                            "draws from a shared pool; set background='pool'")
        if not (isinstance(settings['num_backgrounds'], int)
                and settings['num_backgrounds'] >= 1):
            raise DataError("demo data option num_backgrounds: "
                            "generator='v6' needs a pool size >= 1, got "
                            f"{settings['num_backgrounds']!r}")
    elif settings['background'] not in BACKGROUNDS:
        raise DataError(f"demo data option background="
                        f"{settings['background']!r}: use one of "
                        f"{list(BACKGROUNDS)} (or generator='v6', "
                        "background='pool')")
    elif settings['num_backgrounds'] is not None:
        raise DataError("demo data option num_backgrounds: only "
                        "generator='v6' has a background pool")
    settings['objects_per_class'] = list(settings['objects_per_class'])
    return settings


def _render_scene(settings, split, i):
    """``(image, objects)``; v6 objects carry a COCO RLE segmentation."""
    if settings['generator'] == 'v5':
        return render_scene(
            settings['seed'],
            split,
            i,
            size=settings['image_size'],
            background=settings['background'])
    img, objects, _ = render_scene_v6(
        settings['seed'],
        split,
        i,
        size=settings['image_size'],
        num_backgrounds=settings['num_backgrounds'])
    for obj in objects:
        obj['segmentation'] = mask_to_rle(obj.pop('mask'))
    return img, objects


def _render_object(settings, split, i):
    """A labelled object; demo-v6 keeps demo-v5's (clutter backgrounds)."""
    return render_object(
        settings['seed'],
        split,
        i,
        size=settings['object_size'],
        background=('clutter' if settings['generator'] == 'v6' else
                    settings['background']))


def _write_scenes(out_dir, split, num, settings, progress):
    os.makedirs(osp.join(out_dir, split))
    images, annotations = [], []
    for i in range(num):
        img, objects = _render_scene(settings, split, i)
        file_name = f'{i + 1:012d}.jpg'
        img.save(osp.join(out_dir, split, file_name), quality=90)
        images.append(
            dict(
                id=i + 1,
                file_name=file_name,
                width=img.width,
                height=img.height))
        for obj in objects:
            ann = dict(
                id=len(annotations) + 1,
                image_id=i + 1,
                category_id=obj['label'] + 1,
                bbox=obj['bbox'],
                area=obj['area'],
                iscrowd=0)
            if 'segmentation' in obj:
                ann['segmentation'] = obj['segmentation']
            annotations.append(ann)
        progress()
    coco = dict(
        info=dict(description='mmsal demo scenes', settings=settings),
        images=images,
        annotations=annotations,
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)])
    with open(
            osp.join(out_dir, 'annotations', f'instances_{split}.json'),
            'w') as f:
        json.dump(coco, f, sort_keys=True)


def _write_objects(out_dir, split, per_class, settings, progress):
    root = osp.join(out_dir, 'objects')
    lines = []
    for i in range(per_class * len(CLASSES)):
        img, label = _render_object(settings, f'objects_{split}', i)
        rel = f'{CLASSES[label]}/{i:06d}.jpg'
        os.makedirs(osp.join(root, split, CLASSES[label]), exist_ok=True)
        img.save(osp.join(root, split, rel), quality=90)
        lines.append(f'{rel} {label}\n')
        progress()
    with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
        f.writelines(lines)


def make_demo_data(out_dir, progress=True, **kwargs):
    """Generate the demo data set into ``out_dir`` (which must not exist).

    Args:
        out_dir (str): Folder to create.
        progress (bool): Show a progress bar. Defaults to True.
        **kwargs: Generator settings, defaults in ``DEFAULTS``:
            ``num_train`` (2000) and ``num_val`` (200) scenes of
            ``image_size`` (96) px; ``objects_per_class`` ((100, 50))
            single-object images per class for the labelled train/val split,
            of ``object_size`` (64) px; ``seed`` (0); ``background``
            ('clutter' or 'calm', see ``demo_scenes._background``).

    Returns:
        dict: The settings used, also saved as ``demo_meta.json``.
    """
    settings = _settings(**kwargs)
    if osp.exists(out_dir):
        raise DataError(f'demo data: {out_dir} already exists')
    n_obj = [n * len(CLASSES) for n in settings['objects_per_class']]
    total = settings['num_train'] + settings['num_val'] + sum(n_obj)
    tick = Progress(total, enabled=progress, label='demo data').update
    os.makedirs(osp.join(out_dir, 'annotations'))
    os.makedirs(osp.join(out_dir, 'objects', 'meta'))
    _write_scenes(out_dir, 'train2017', settings['num_train'], settings, tick)
    _write_scenes(out_dir, 'val2017', settings['num_val'], settings, tick)
    for split, per_class in zip(('train', 'val'),
                                settings['objects_per_class']):
        _write_objects(out_dir, split, per_class, settings, tick)
    with open(osp.join(out_dir, 'objects', 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    with open(osp.join(out_dir, META_FILE), 'w') as f:
        json.dump(settings, f, sort_keys=True, indent=1)
    return settings


def ensure_demo_data(data_root, **kwargs):
    """Make sure ``data_root`` holds demo data with these settings.

    Generates it if the folder is missing (rank 0 writes into a temporary
    folder and renames it, other ranks wait). Raises ``DataError`` if the
    folder exists but holds something else, so nothing is overwritten.
    """
    settings = _settings(**kwargs)
    meta = osp.join(data_root, META_FILE)
    if not osp.exists(data_root) and get_rank() == 0:
        print(f'mmsal: generating demo data in {data_root} ...', flush=True)
        tmp = f'{data_root.rstrip("/")}.tmp-{os.getpid()}'
        try:
            make_demo_data(tmp, **settings)
            os.replace(tmp, data_root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    barrier()
    if not osp.exists(meta):
        raise DataError(
            f'demo data: {data_root} exists but has no {META_FILE}; it was '
            'not written by mmsal. Move it away or set another data_root.')
    with open(meta) as f:
        found = json.load(f)
    # written before these options existed
    found.setdefault('background', 'clutter')
    found.setdefault('generator', 'v5')
    found.setdefault('num_backgrounds', None)
    if found != settings:
        raise DataError(
            f'demo data: {data_root} was generated with other settings '
            f'({found}); expected {settings}. Delete it or set another '
            'data_root.')
    return settings
