"""Generate the demo scene data set (COCO format) ahead of time.

    python tools/make_demo_data.py data/demo_scenes
    python tools/make_demo_data.py /tmp/big --num-train 10000 --image-size 128

Configs that use ``DemoScenes`` / ``DemoObjects`` generate it on first use;
this tool is for other settings or other places. The settings must then match
the config's ``demo_settings``. A folder that already holds the demo data
with the same settings (e.g. after the quick start) is reused: nothing is
written, exit status 0. A folder holding anything else is never touched:
one line, exit status 2.
"""
import argparse
import os.path as osp
import sys

from mmsal.datasets import DataError, make_demo_data
from mmsal.datasets.demo_data import DEFAULTS, ensure_demo_data
from mmsal.datasets.demo_scenes import BACKGROUNDS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='folder to create (must not exist)')
    parser.add_argument('--num-train', type=int, default=DEFAULTS['num_train'])
    parser.add_argument('--num-val', type=int, default=DEFAULTS['num_val'])
    parser.add_argument(
        '--image-size', type=int, default=DEFAULTS['image_size'])
    parser.add_argument(
        '--objects-per-class',
        type=int,
        nargs=2,
        default=DEFAULTS['objects_per_class'],
        metavar=('TRAIN', 'VAL'))
    parser.add_argument(
        '--object-size', type=int, default=DEFAULTS['object_size'])
    parser.add_argument('--seed', type=int, default=DEFAULTS['seed'])
    parser.add_argument(
        '--background',
        choices=BACKGROUNDS,
        default=DEFAULTS['background'],
        help="'clutter': each part of a scene its own colours "
        "(the demo protocol); 'calm': one backdrop colour per "
        'scene')
    args = parser.parse_args()
    wanted = dict(
        num_train=args.num_train,
        num_val=args.num_val,
        image_size=args.image_size,
        objects_per_class=tuple(args.objects_per_class),
        object_size=args.object_size,
        seed=args.seed,
        background=args.background)
    try:
        if osp.exists(args.out_dir):  # reused if it is the same data
            settings = ensure_demo_data(args.out_dir, **wanted)
            print(f'{args.out_dir} already holds the demo data with these '
                  'settings; nothing written')
            return
        settings = make_demo_data(args.out_dir, **wanted)
    except DataError as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(2)
    print(f'demo data written to {args.out_dir}: {settings}')


if __name__ == '__main__':
    main()
