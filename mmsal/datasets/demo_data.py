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

META_FILE = 'demo_meta.json'
DEFAULTS = dict(
    num_train=2000,
    num_val=200,
    image_size=96,
    objects_per_class=(100, 50),
    object_size=64,
    seed=0,
    background='clutter')


def _settings(**kwargs):
    unknown = set(kwargs) - set(DEFAULTS)
    if unknown:
        raise DataError(f'unknown demo data option(s): {sorted(unknown)}; '
                        f'known: {sorted(DEFAULTS)}')
    settings = dict(DEFAULTS, **kwargs)
    if settings['background'] not in BACKGROUNDS:
        raise DataError(f"demo data option background="
                        f"{settings['background']!r}: use one of "
                        f"{list(BACKGROUNDS)}")
    settings['objects_per_class'] = list(settings['objects_per_class'])
    return settings


def _write_scenes(out_dir, split, num, settings, progress):
    os.makedirs(osp.join(out_dir, split))
    images, annotations = [], []
    for i in range(num):
        img, objects = render_scene(
            settings['seed'],
            split,
            i,
            size=settings['image_size'],
            background=settings['background'])
        file_name = f'{i + 1:012d}.jpg'
        img.save(osp.join(out_dir, split, file_name), quality=90)
        images.append(
            dict(
                id=i + 1,
                file_name=file_name,
                width=img.width,
                height=img.height))
        for obj in objects:
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=i + 1,
                    category_id=obj['label'] + 1,
                    bbox=obj['bbox'],
                    area=obj['area'],
                    iscrowd=0))
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
        img, label = render_object(
            settings['seed'],
            f'objects_{split}',
            i,
            size=settings['object_size'],
            background=settings['background'])
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
    found.setdefault('background', 'clutter')  # written before the option
    if found != settings:
        raise DataError(
            f'demo data: {data_root} was generated with other settings '
            f'({found}); expected {settings}. Delete it or set another '
            'data_root.')
    return settings
