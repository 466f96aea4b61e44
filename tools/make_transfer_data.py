"""Write tiny transfer data in the benchmarks' own layouts.

    python tools/make_transfer_data.py data/transfer_smoke

Writes ``VOCdevkit`` (VOC2007 + VOC2012: detection and segmentation),
``coco`` (instances with masks) and ``cityscapes`` (train ids) under the
folder, from the demo-v6 scenes (``mmsal.transfer.smoke_data``), so that
the transfer configs can train a few iterations inside mmdet / mmseg
without the real data (docs/transfer.md). A layout that already exists
there is never overwritten: one line, exit status 2.
"""
import argparse

from mmsal.cli import run_cli


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='folder to write the layouts into')
    parser.add_argument('--num-train', type=int, default=16)
    parser.add_argument('--num-val', type=int, default=8)
    parser.add_argument('--image-size', type=int, default=128)
    args = parser.parse_args()
    from mmsal.transfer.smoke_data import make_transfer_data
    for path in make_transfer_data(args.out_dir, args.num_train, args.num_val,
                                   args.image_size):
        print(f'wrote {path}')


if __name__ == '__main__':
    run_cli(main)
