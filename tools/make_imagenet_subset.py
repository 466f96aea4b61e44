"""Write an ImageNet label subset in mmpretrain's annotation format.

    python tools/make_imagenet_subset.py 1percent.txt \\
        data/imagenet/meta/train.txt data/imagenet/meta/train_1percent.txt

SUBSET lists one training image file name per line, as the standard SimCLR
1 % / 10 % subsets do (``n01440764_10026.JPEG``). TRAIN_META is mmpretrain's
``meta/train.txt`` (``n01440764/n01440764_10026.JPEG 0`` per line). OUT gets
the lines of TRAIN_META whose file is in SUBSET, in TRAIN_META's order. Every
listed image must be in TRAIN_META; OUT must not exist.
"""
import argparse
import os.path as osp

from mmsal.cli import refuse_overwrite, run_cli
from mmsal.errors import UsageError, require_file


def read_lines(path, what):
    require_file(path, what)
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('subset', help='file names, one per line')
    parser.add_argument('train_meta', help="mmpretrain's meta/train.txt")
    parser.add_argument('out', help='the subset annotation file to write')
    args = parser.parse_args()
    refuse_overwrite(args.out)
    wanted = {
        osp.basename(name)
        for name in read_lines(args.subset, 'subset list')
    }
    if not wanted:
        raise UsageError(f'{args.subset} lists no images')
    kept, found = [], set()
    for line in read_lines(args.train_meta, 'train meta file'):
        name = osp.basename(line.split()[0])
        if name in wanted:
            kept.append(line)
            found.add(name)
    missing = sorted(wanted - found)
    if missing:
        raise UsageError(f'{len(missing)} image(s) of {args.subset} are not '
                         f'in {args.train_meta}, first: {missing[0]}')
    with open(args.out, 'w') as f:
        f.write('\n'.join(kept) + '\n')
    print(f'{len(kept)} images written to {args.out}')


if __name__ == '__main__':
    run_cli(main)
