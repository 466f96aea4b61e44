"""Write a training checkpoint's backbone as a plain state dict.

    python tools/extract_backbone.py work_dirs/salssl_coco/epoch_800.pth \
        r50.pth

The output loads with ``strict=True``:

- torchvision: ``m = torchvision.models.resnet50(); m.fc = torch.nn.Identity();
  m.load_state_dict(torch.load('r50.pth'))`` (mmpretrain's ResNet uses
  torchvision's parameter names; only ``fc`` is absent);
- mmpretrain / mmdet / mmseg: ``backbone=dict(type='ResNet', depth=50,
  init_cfg=dict(type='Pretrained', checkpoint='r50.pth'))``.

``--encoder momentum`` takes the momentum (key) encoder's backbone instead of
the online one.
"""
import argparse

import mmsal  # noqa: F401
from mmsal.entry import UsageError, refuse_overwrite, require_file, run_cli

PREFIXES = dict(
    online=('backbone.', ),
    momentum=('encoder_k.module.0.', 'target_net.module.0.'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='training checkpoint')
    parser.add_argument('out', help='output file (must not exist)')
    parser.add_argument(
        '--encoder',
        choices=sorted(PREFIXES),
        default='online',
        help='which backbone to take')
    args = parser.parse_args()
    require_file(args.checkpoint)
    refuse_overwrite(args.out)

    import torch
    from mmengine.runner.checkpoint import _load_checkpoint
    state = _load_checkpoint(args.checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    for prefix in PREFIXES[args.encoder]:
        backbone = {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
        if backbone:
            break
    else:
        raise UsageError(
            f'{args.checkpoint} has no {args.encoder} backbone (no keys '
            f'starting with {" or ".join(PREFIXES[args.encoder])})')
    torch.save(backbone, args.out)
    print(f'{len(backbone)} tensors of the {args.encoder} backbone written '
          f'to {args.out}')


if __name__ == '__main__':
    run_cli(main)
