"""LabeledImages / LabeledImageNet / DemoObjects: a label list naming
missing images and an empty split are refused at build time, in one line."""
import pytest
from PIL import Image

from mmsal.datasets import DemoObjects, LabeledImageNet, LabeledImages
from mmsal.errors import DataError
from ..conftest import TINY_DEMO, run_tool, write_config


@pytest.fixture
def labeled_root(tmp_path):
    for name in ('a/1.png', 'a/2.png', 'b/3.png'):
        path = tmp_path / 'train' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new('RGB', (8, 8)).save(path)
    (tmp_path / 'meta').mkdir()
    return tmp_path


def _write_list(root, name, lines):
    (root / 'meta' / name).write_text(''.join(f'{line}\n' for line in lines))
    return f'meta/{name}'


def test_good_list_loads(labeled_root):
    ann = _write_list(labeled_root, 'ok.txt', ['a/1.png 0', 'b/3.png 1'])
    ds = LabeledImages(
        data_root=str(labeled_root),
        ann_file=ann,
        data_prefix='train',
        classes=['a', 'b'])
    assert len(ds) == 2 and ds.get_data_info(1)['gt_label'] == 1


def test_list_naming_missing_images(labeled_root):
    ann = _write_list(labeled_root, 'bad.txt',
                      ['a/1.png 0', 'a/9.png 0', 'b/3.png 1', 'c/4.png 1'])
    with pytest.raises(DataError) as err:
        LabeledImages(
            data_root=str(labeled_root),
            ann_file=ann,
            data_prefix='train',
            classes=['a', 'b'])
    msg = str(err.value)
    assert '\n' not in msg and 'meta/bad.txt names 2 image(s) that do not ' \
        'exist, e.g. ' in msg and msg.endswith('train/a/9.png')
    # the check can be switched off (e.g. files that appear later)
    ds = LabeledImages(
        data_root=str(labeled_root),
        ann_file=ann,
        data_prefix='train',
        classes=['a', 'b'],
        check_files=False)
    assert len(ds) == 4
    with pytest.raises(DataError, match='names 1 image'):
        LabeledImageNet(
            data_root=str(labeled_root),
            split='train',
            ann_file=_write_list(labeled_root, 'in.txt',
                                 ['a/1.png 0', 'a/7.png 0']))


def test_empty_split(labeled_root, demo_root):
    ann = _write_list(labeled_root, 'empty.txt', [])
    with pytest.raises(
            DataError,
            match=r'meta/empty.txt gives an empty split '
            r'\(no images\)'):
        LabeledImages(
            data_root=str(labeled_root),
            ann_file=ann,
            data_prefix='train',
            classes=['a', 'b'])
    with pytest.raises(
            DataError, match=r'empty split \(no images after '
            r'indices\)'):
        DemoObjects(
            demo_root, split='train', demo_settings=TINY_DEMO, indices=0)


def test_knn_tool_with_an_empty_labeled_split(demo_root, tmp_path):
    loader = dict(
        dataset=dict(data_root=demo_root, demo_settings=TINY_DEMO, indices=0))
    cfg = write_config(
        tmp_path / 'knn.py',
        'benchmarks/knn_demo.py',
        knn_train_dataloader=loader)
    proc = run_tool(['knn_eval.py', cfg, 'random'], cwd=str(tmp_path))
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: DemoObjects: ') and \
        'empty split (no images after indices)' in last
