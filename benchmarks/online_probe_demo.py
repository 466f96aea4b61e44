"""Do crop-level saliency maps, projected into the image grid the way the
online update does it, point at objects? A probe on the demo val scenes.

    python -m benchmarks.online_probe_demo CHECKPOINT [--mode train|eval]
        [--crop-size 64] [--stage 3] [--crops 8]

For each of the 200 demo val scenes, ``--crops`` random crops (MoCo v2's
RandomResizedCrop, scale 0.2-1, half of them mirrored) are resized to
``--crop-size`` and run through the checkpoint's momentum backbone (BN in
``--mode``); the channel mean of residual stage ``--stage`` (0-based; 3 is
ResNet's last) is each crop's map. The maps go through
:func:`mmsal.saliency.online.crop_to_cells` and
:class:`~mmsal.saliency.online.OnlineSaliency` (the online update's own
code), and the resulting grids are scored with the pointing game and box IoU
next to the random-point and centre baselines.
"""

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpretrain.datasets.transforms import RandomResizedCrop
from mmpretrain.registry import DATASETS, MODELS
from PIL import Image

import mmsal  # noqa: F401
from benchmarks import arg_parser
from mmsal.evaluation.saliency_quality import saliency_quality
from mmsal.progress import Progress
from mmsal.saliency.maps import as_feature_map, find_encoder
from mmsal.saliency.online import OnlineSaliency, crop_to_cells

MEAN = torch.tensor([123.675, 116.28, 103.53])[:, None, None]
STD = torch.tensor([58.395, 57.12, 57.375])[:, None, None]


def main():
    p = arg_parser(__spec__, __doc__)
    p.add_argument('checkpoint')
    p.add_argument('--config', default='configs/salssl_demo.py')
    p.add_argument('--data-root', default='data/demo_scenes')
    p.add_argument('--mode', choices=['train', 'eval'], default='train')
    p.add_argument('--crop-size', type=int, default=64)
    p.add_argument('--stage', type=int, default=3)
    p.add_argument('--crops', type=int, default=8)
    args = p.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(args.config).model)
    load_checkpoint(
        model, args.checkpoint, map_location='cpu', logger='silent')
    backbone = find_encoder(model, 'momentum')[0]
    backbone.train(args.mode == 'train')
    backbone.out_indices = (args.stage, )
    dataset = DATASETS.build(
        dict(
            type='DemoScenes',
            data_root=args.data_root,
            split='val',
            pipeline=[]))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    images = [
        np.array(Image.open(i['img_path']).convert('RGB')) for i in infos
    ]
    rrc = RandomResizedCrop(args.crop_size, crop_ratio_range=(0.2, 1.))
    online = OnlineSaliency(len(images), 7)
    size = (args.crop_size, args.crop_size)
    bar = Progress(args.crops, label=f'crop rounds ({len(images)} images)')
    for _ in range(args.crops):
        crops, boxes, flips, sizes = [], [], [], []
        for img in images:
            y, x, h, w = rrc.rand_crop_params(img)
            crop = np.array(
                Image.fromarray(img[y:y + h,
                                    x:x + w]).resize(size, Image.BILINEAR))
            flip = bool(np.random.rand() < 0.5)
            crop = np.ascontiguousarray(crop[:, ::-1] if flip else crop)
            crops.append(
                (torch.tensor(crop).permute(2, 0, 1).float() - MEAN) / STD)
            boxes.append([x, y, x + w, y + h])
            flips.append(flip)
            sizes.append(img.shape[:2])
        with torch.no_grad():
            raw = torch.cat([
                as_feature_map(backbone(torch.stack(crops[b:b + 50]))).mean(1)
                for b in range(0, len(crops), 50)
            ])
        values, covered = crop_to_cells(raw, torch.tensor(boxes),
                                        torch.tensor(flips),
                                        torch.tensor(sizes), 7)
        online.update_scale(raw.mean((1, 2)))
        online.update(
            torch.arange(len(images)), values / online.scale, covered)
        bar.update()
    maps = [online.normalized(i)[0].numpy() for i in range(len(images))]
    scores = saliency_quality(maps, [i['gt_bboxes'] for i in infos],
                              [(i['height'], i['width']) for i in infos])
    print(vars(args) | {k: round(v, 3) for k, v in scores.items()})


if __name__ == '__main__':
    main()
