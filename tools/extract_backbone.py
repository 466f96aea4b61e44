"""Write a training checkpoint's backbone as a plain state dict.

    python tools/extract_backbone.py work_dirs/salssl_coco/epoch_800.pth \
        r50.pth

The output loads with ``strict=True``:

- torchvision: ``m = torchvision.models.resnet50(); m.fc = torch.nn.Identity();
  m.load_state_dict(torch.load('r50.pth'))`` (mmpretrain's ResNet uses
  torchvision's parameter names; only ``fc`` is absent);
- mmpretrain / mmdet / mmseg: ``backbone=dict(type='ResNet', depth=50,
  init_cfg=dict(type='StrictPretrained', checkpoint='r50.pth'))`` with
  ``custom_imports=dict(imports=['mmsal'])``: mmengine's ``Pretrained``
  would also load it, but with ``strict=False``, so a mismatch would only
  be logged (configs/benchmarks/, docs/transfer.md).

``--encoder momentum`` takes the momentum (key) encoder's backbone instead of
the online one.
"""
import argparse

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.errors import require_file
from mmsal.evaluation import ENCODER_PREFIXES, encoder_state_dict


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='training checkpoint')
    parser.add_argument('out', help='output file (must not exist)')
    parser.add_argument(
        '--encoder',
        choices=sorted(ENCODER_PREFIXES),
        default='online',
        help='which backbone to take')
    args = parser.parse_args()
    require_file(args.checkpoint)
    refuse_overwrite(args.out)

    import torch
    backbone = encoder_state_dict(args.checkpoint, args.encoder)
    torch.save(backbone, args.out)
    print(f'{len(backbone)} tensors of the {args.encoder} backbone written '
          f'to {args.out}')


if __name__ == '__main__':
    run_cli(main)
