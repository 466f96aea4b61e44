"""Detection transfer at demo scale: torchvision's Faster R-CNN with FPN on
a pretrained ResNet-18, fine-tuned on the demo scenes' boxes, COCO-style AP
on the demo val scenes (pycocotools).

    python -m benchmarks.transfer_det_demo CHECKPOINT --out det.json
    python -m benchmarks.transfer_det_demo random --seed 0 --out det.json
    python -m benchmarks.transfer_det_demo CKPT --finetune-seed 3 --out d.json
    python -m benchmarks.transfer_det_demo CHECKPOINT --split low --out d.json

CHECKPOINT is a training checkpoint (its online backbone) or a backbone
file (tools/extract_backbone.py); ``random`` fine-tunes from random init
(the floor). The whole network trains (BatchNorm statistics included, the
MoCo protocol's "nothing frozen"); ``--split low`` fine-tunes on the first
10 % of the train scenes for the same number of steps. The demo scenes are
96 px with 2-4 objects of 18-49 px in 10 classes (demo-v6's, ``--data-root
data/demo_v6 --preset v6``: 1-5 objects of 17-30 px); images are scaled to
128 px and the FPN's anchors are 16-256 px. ``python -m
benchmarks.evidence_demo --transfer`` adds these numbers to the evidence
table.
"""
import contextlib
import io
import os.path as osp
import time

from benchmarks import arg_parser
from mmsal.records import json_line, write_json

SPLITS = dict(full=1.0, low=0.1)  # share of the train scenes
DATA_ROOT = 'data/demo_scenes'


def parse_args(argv=None):
    p = arg_parser(__spec__, __doc__)
    p.add_argument('checkpoint', help="pretrained checkpoint, or 'random'")
    p.add_argument(
        '--out', required=True, help='result JSON (must not '
        'exist)')
    p.add_argument('--split', choices=sorted(SPLITS), default='full')
    p.add_argument(
        '--finetune-seed',
        '--seed',
        dest='finetune_seed',
        type=int,
        default=0,
        help="the fine-tuning's seed: the detector's new layers (and "
        "random init's backbone), the data order; recorded as "
        "'finetune_seed', apart from the checkpoint's pretraining seed")
    p.add_argument('--iters', type=int, default=250, help='SGD steps')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--lr', type=float, default=0.02)
    p.add_argument('--image-size', type=int, default=128)
    p.add_argument('--data-root', default=DATA_ROOT)
    p.add_argument(
        '--preset',
        choices=('v5', 'v6'),
        default='v5',
        help='the demo data to generate at --data-root when it has none '
        '(v6: the demo-v6 scenes, docs/protocol_demo_v6.md)')
    return p.parse_args(argv)


def build_detector(checkpoint, num_classes, image_size):
    """Faster R-CNN + FPN on torchvision's ResNet-18 (trainable
    BatchNorm), its backbone loaded strictly from ``checkpoint``."""
    import torch
    import torchvision
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.models.detection.faster_rcnn import (FastRCNNPredictor,
                                                          TwoMLPHead)

    from mmsal.evaluation import encoder_state_dict, load_state
    resnet = torchvision.models.resnet18(norm_layer=torch.nn.BatchNorm2d)
    resnet.fc = torch.nn.Identity()
    if checkpoint != 'random':
        load_state(resnet, encoder_state_dict(checkpoint), checkpoint)
    backbone = BackboneWithFPN(
        resnet,
        return_layers=dict(layer1='0', layer2='1', layer3='2', layer4='3'),
        in_channels_list=[64, 128, 256, 512],
        out_channels=128)
    anchors = AnchorGenerator(
        sizes=((16, ), (32, ), (64, ), (128, ), (256, )),
        aspect_ratios=((0.5, 1.0, 2.0), ) * 5)
    # a 256-d box head (torchvision's is 1,024-d): the demo's 10 classes
    # need less, and the head's matrix products were a third of a step
    box_head = TwoMLPHead(backbone.out_channels * 7 * 7, 256)
    return FasterRCNN(
        backbone,
        box_head=box_head,
        box_predictor=FastRCNNPredictor(256, num_classes + 1),  # + bg
        min_size=image_size,
        max_size=image_size,
        # the pretraining's normalisation (ImageNet mean / std)
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=600,
        rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=300,
        rpn_post_nms_top_n_test=100,
        box_batch_size_per_image=32)


class Scenes:
    """The demo scenes of one split as (image tensor, target) pairs."""

    def __init__(self, data_root, split, share=1.0):
        from pycocotools.coco import COCO
        ann = osp.join(data_root, 'annotations', f'instances_{split}2017.json')
        with contextlib.redirect_stdout(io.StringIO()):
            self.coco = COCO(ann)
        ids = sorted(self.coco.getImgIds())
        self.ids = ids[:max(1, round(len(ids) * share))]
        self.folder = osp.join(data_root, f'{split}2017')
        self.num_classes = len(self.coco.getCatIds())

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        import numpy as np
        import torch
        from PIL import Image
        info = self.coco.loadImgs(self.ids[i])[0]
        with Image.open(osp.join(self.folder, info['file_name'])) as img:
            pixels = np.asarray(img.convert('RGB'), dtype=np.float32) / 255
        boxes, labels = [], []
        for a in self.coco.loadAnns(self.coco.getAnnIds(imgIds=self.ids[i])):
            x, y, w, h = a['bbox']
            boxes.append([x, y, x + w, y + h])
            labels.append(a['category_id'])
        target = dict(
            boxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            labels=torch.tensor(labels, dtype=torch.int64),
            image_id=self.ids[i])
        return torch.from_numpy(pixels).permute(2, 0, 1), target


def _flip(image, target):
    width = image.shape[-1]
    boxes = target['boxes'].clone()
    boxes[:, [0, 2]] = width - target['boxes'][:, [2, 0]]
    return image.flip(-1), dict(target, boxes=boxes)


def fine_tune(model, scenes, iters, batch_size, lr, seed):
    """SGD with linear warm-up and a x0.1 step at 3/4 of ``iters``; random
    horizontal flips. Returns the mean loss of the last 50 steps."""
    import torch

    from mmsal.progress import Progress
    generator = torch.Generator().manual_seed(seed)
    bar = Progress(iters, label='fine-tuning (steps)')
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=1e-4)
    warmup = min(50, iters // 4)
    model.train()
    order, losses = [], []
    for step in range(iters):
        scale = (step + 1) / warmup if step < warmup else 1.0
        scale *= 0.1 if step >= iters * 3 // 4 else 1.0
        for group in optim.param_groups:
            group['lr'] = lr * scale
        if len(order) < batch_size:
            order += torch.randperm(len(scenes), generator=generator).tolist()
        batch = [scenes[i] for i in order[:batch_size]]
        del order[:batch_size]
        flips = torch.rand(len(batch), generator=generator) < 0.5
        batch = [_flip(*b) if f else b for b, f in zip(batch, flips)]
        loss = sum(
            model([b[0] for b in batch], [b[1] for b in batch]).values())
        if not torch.isfinite(loss):
            raise RuntimeError(f'fine-tuning diverged at step {step} '
                               f'(loss {loss.item()}): lower --lr')
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
        bar.update()
    return sum(losses[-50:]) / len(losses[-50:])


def coco_ap(model, scenes):
    """COCO box AP, AP50 and AP75 (in %) of ``model`` on ``scenes``."""
    import torch
    from pycocotools.cocoeval import COCOeval

    from mmsal.progress import Progress
    model.eval()
    found = []
    bar = Progress(len(scenes), label='evaluation (images)')
    with torch.no_grad():
        for i in range(len(scenes)):
            bar.update()
            image, target = scenes[i]
            out = model([image])[0]
            for box, score, label in zip(out['boxes'].tolist(),
                                         out['scores'].tolist(),
                                         out['labels'].tolist()):
                x1, y1, x2, y2 = box
                found.append(
                    dict(
                        image_id=target['image_id'],
                        category_id=label,
                        bbox=[x1, y1, x2 - x1, y2 - y1],
                        score=score))
    if not found:
        return dict(ap=0.0, ap50=0.0, ap75=0.0)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(scenes.coco, scenes.coco.loadRes(found), 'bbox')
        evaluation.params.imgIds = scenes.ids
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    stats = evaluation.stats
    return dict(
        ap=100 * float(stats[0]),
        ap50=100 * float(stats[1]),
        ap75=100 * float(stats[2]))


def run(args):
    """Fine-tune and evaluate; returns the result dict."""
    import torch

    from mmsal.datasets.demo_data import PRESETS, ensure_demo_data
    torch.manual_seed(args.finetune_seed)
    if not osp.isdir(osp.join(args.data_root, 'annotations')):
        ensure_demo_data(args.data_root, **PRESETS[args.preset])
    train = Scenes(args.data_root, 'train', SPLITS[args.split])
    val = Scenes(args.data_root, 'val')
    model = build_detector(args.checkpoint, train.num_classes, args.image_size)
    start = time.time()
    final_loss = fine_tune(model, train, args.iters, args.batch_size, args.lr,
                           args.finetune_seed)
    minutes = (time.time() - start) / 60
    return dict(
        checkpoint=args.checkpoint,
        split=args.split,
        train_images=len(train),
        finetune_seed=args.finetune_seed,
        iters=args.iters,
        final_loss=final_loss,
        finetune_minutes=round(minutes, 2),
        **coco_ap(model, val))


def main(argv=None):
    import mmsal  # noqa: F401
    from mmsal.cli import refuse_overwrite
    from mmsal.errors import require_file
    args = parse_args(argv)
    if args.checkpoint != 'random':
        require_file(args.checkpoint)
    refuse_overwrite(args.out)
    result = run(args)
    write_json(args.out, result)
    print(json_line(result))
    print(f'transfer: wrote {args.out}')


if __name__ == '__main__':
    from mmsal.cli import run_cli
    run_cli(main)
