"""Generate the demo scene data set (COCO format) ahead of time.

    python tools/make_demo_data.py data/demo_scenes
    python tools/make_demo_data.py /tmp/big --num-train 10000 --image-size 128
    python tools/make_demo_data.py data/demo_v6 --preset v6

``--preset v6`` starts from the demo-v6 settings (COCO-like scenes,
docs/protocol_demo_v6.md) instead of demo-v5's; the options override it.

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
from mmsal.datasets.demo_data import DEFAULTS, DEMO_V6, ensure_demo_data
from mmsal.datasets.demo_scenes import BACKGROUNDS

PRESETS = dict(v5={}, v6=DEMO_V6)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='folder to create (must not exist)')
    parser.add_argument(
        '--preset',
        choices=sorted(PRESETS),
        default='v5',
        help='the data the options start from: v5 (default) or v6')
    parser.add_argument('--num-train', type=int)
    parser.add_argument('--num-val', type=int)
    parser.add_argument('--image-size', type=int)
    parser.add_argument(
        '--objects-per-class', type=int, nargs=2, metavar=('TRAIN', 'VAL'))
    parser.add_argument('--object-size', type=int)
    parser.add_argument('--seed', type=int)
    parser.add_argument(
        '--background',
        choices=BACKGROUNDS + ('pool', ),
        help="'clutter': each part of a scene its own colours "
        "(demo-v5); 'calm': one backdrop colour per scene; 'pool' "
        '(demo-v6): shared backgrounds')
    parser.add_argument(
        '--num-backgrounds', type=int, help='demo-v6: the pool size')
    args = parser.parse_args()
    wanted = dict(DEFAULTS, **PRESETS[args.preset])
    for key in wanted:
        if getattr(args, key, None) is not None:
            wanted[key] = getattr(args, key)
    wanted['objects_per_class'] = tuple(wanted['objects_per_class'])
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
