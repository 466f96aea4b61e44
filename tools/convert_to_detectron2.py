"""Write a ResNet backbone in detectron2's format (a .pkl file).

    python tools/convert_to_detectron2.py work_dirs/salssl_coco/epoch_800.pth \
        r50_d2.pkl

The input is a training checkpoint (its online backbone, or with
``--encoder momentum`` the key encoder's) or a backbone file from
tools/extract_backbone.py. The output holds ``{'model': {name: tensor},
'matching_heuristics': True, '__author__': 'mmsal'}`` with detectron2's
names (``stem.conv1``, ``res2``-``res5``, ``convK.norm``, ``shortcut``),
as detectron2-based transfer code (MoCo's, DenseCL's) loads with
``MODEL.WEIGHTS r50_d2.pkl``; such configs also need
``MODEL.RESNETS.STRIDE_IN_1X1 False`` (the stride on the 3x3 conv: the
shapes fit either way, so nothing would warn), ``MODEL.PIXEL_MEAN
[123.675, 116.280, 103.530]``, ``MODEL.PIXEL_STD [58.395, 57.120, 57.375]``
and ``INPUT.FORMAT RGB`` (torchvision-style weights; docs/transfer.md).
"""
import argparse
import pickle

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.errors import require_file
from mmsal.evaluation import ENCODER_PREFIXES, encoder_state_dict
from mmsal.transfer import to_detectron2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'checkpoint', help='training checkpoint or backbone file')
    parser.add_argument('out', help='output .pkl file (must not exist)')
    parser.add_argument(
        '--encoder',
        choices=sorted(ENCODER_PREFIXES),
        default='online',
        help='which backbone to take from a training checkpoint')
    args = parser.parse_args()
    require_file(args.checkpoint)
    refuse_overwrite(args.out)

    converted = to_detectron2(
        encoder_state_dict(args.checkpoint, args.encoder))
    with open(args.out, 'wb') as f:
        pickle.dump(converted, f)
    print(f"{len(converted['model'])} tensors written to {args.out} in "
          "detectron2's format; its config needs MODEL.RESNETS.STRIDE_IN_1X1 "
          'False, INPUT.FORMAT RGB and the ImageNet PIXEL_MEAN / PIXEL_STD')


if __name__ == '__main__':
    run_cli(main)
