"""benchmarks.transfer_det_demo: strict backbone loading, flips, the AP
computation, a tiny fine-tune, and its columns in the evidence table."""
import importlib
import json

import pytest
import torch
import torchvision

from mmsal.errors import UsageError


def _module(name):
    return importlib.import_module(f'benchmarks.{name}')


@pytest.fixture(scope='module')
def det():
    pytest.importorskip('pycocotools')
    return _module('transfer_det_demo')


def _save_backbone(path, arch, training=True):
    state = {
        k: v
        for k, v in getattr(torchvision.models, arch)().state_dict().items()
        if not k.startswith('fc.')
    }
    if training:
        torch.save(
            dict(state_dict={
                f'backbone.{k}': v
                for k, v in state.items()
            }), path)
    else:
        torch.save(state, path)
    return state


def test_backbone_is_loaded_strictly(det, tmp_path):
    ckpt = str(tmp_path / 'epoch_1.pth')
    state = _save_backbone(ckpt, 'resnet18')
    model = det.build_detector(ckpt, num_classes=10, image_size=64)
    body = model.backbone.body.state_dict()
    assert torch.equal(body['layer3.1.conv2.weight'],
                       state['layer3.1.conv2.weight'])
    assert torch.equal(body['bn1.running_var'], state['bn1.running_var'])

    r50 = str(tmp_path / 'r50.pth')
    _save_backbone(r50, 'resnet50', training=False)
    with pytest.raises(UsageError, match=r'r50\.pth: .*do not fit'):
        det.build_detector(r50, num_classes=10, image_size=64)
    empty = str(tmp_path / 'head_only.pth')
    torch.save(dict(state_dict={'head.w': torch.ones(1)}), empty)
    with pytest.raises(UsageError, match='has no online backbone'):
        det.build_detector(empty, num_classes=10, image_size=64)


def test_flip_mirrors_boxes(det):
    image = torch.zeros(3, 10, 20)
    image[:, :, 0] = 1
    flipped, target = det._flip(
        image, dict(boxes=torch.tensor([[2., 1., 5., 4.]]), labels=None))
    assert flipped[0, 0, -1] == 1
    assert target['boxes'].tolist() == [[15., 1., 18., 4.]]


class _Oracle(torch.nn.Module):
    """Answers with the ground truth boxes (or nothing)."""

    def __init__(self, scenes, empty=False):
        super().__init__()
        self.boxes = {
            scenes[i][1]['image_id']: scenes[i][1]
            for i in range(len(scenes))
        }
        self.order = [scenes[i][1]['image_id'] for i in range(len(scenes))]
        self.empty = empty

    def forward(self, images):
        target = self.boxes[self.order.pop(0)]
        n = 0 if self.empty else len(target['boxes'])
        return [
            dict(
                boxes=target['boxes'][:n],
                labels=target['labels'][:n],
                scores=torch.ones(n))
        ]


def test_coco_ap_of_perfect_and_empty_answers(det, demo_root):
    scenes = det.Scenes(demo_root, 'val')
    assert det.coco_ap(_Oracle(scenes), scenes)['ap'] == pytest.approx(100)
    assert det.coco_ap(_Oracle(scenes, empty=True), scenes)['ap'] == 0


def test_tiny_fine_tune(det, demo_root, tmp_path):
    out = str(tmp_path / 'det.json')
    det.main([
        'random', '--out', out, '--data-root', demo_root, '--iters', '2',
        '--batch-size', '2', '--image-size', '64', '--split', 'low',
        '--finetune-seed', '7'
    ])
    with open(out) as f:
        result = json.load(f)
    assert result['train_images'] == 2  # 10 % of the 24 tiny scenes
    assert 0 <= result['ap'] <= 100 and result['iters'] == 2
    assert result['finetune_seed'] == 7 and 'seed' not in result
    with pytest.raises(UsageError, match='already exists'):
        det.main(['random', '--out', out, '--data-root', demo_root])


def test_transfer_columns_in_the_evidence_table():
    table = _module('evidence.table')

    def run(variant, seed, ap):
        return dict(
            protocol='p',
            variant=variant,
            seed=seed,
            knn_top1=20.0,
            linear_top1=30.0,
            pointing=0.5,
            train_minutes=1.0,
            finished='-',
            det_ap=ap,
            det_ap50=2 * ap,
            det_low_ap=ap / 2,
            det_minutes=3.0)

    rows = [run('mocov2', 0, 10.), run('mocov2', 1, 12.), run('both', 0, 13.)]
    text = table.table(rows, 'p')
    line = [
        r for r in text.splitlines()
        if r.startswith('| + both (SalSSL) | 1 | 13.0 |')
    ]
    assert line and '| +3.0 (n = 1) |' in line[0]
    assert '| +1.5 (n = 1) |' in line[0]  # 10 %: 6.5 - 5.0
    assert '| both | 0 | 20.0 | - | 30.0 | - | 0.500 | 13.0 / 6.5 | - |' in (
        text)  # per run
    rows = [dict(r) for r in rows]
    for r in rows:
        del r['det_ap']
    assert 'Detection transfer' not in table.table(rows, 'p')
