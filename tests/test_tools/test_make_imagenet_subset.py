from ..conftest import run_tool


def test_subset_in_mmpretrain_format(tmp_path):
    meta = tmp_path / 'train.txt'
    meta.write_text('n01/n01_1.JPEG 0\nn01/n01_2.JPEG 0\nn02/n02_7.JPEG 1\n')
    subset = tmp_path / '1percent.txt'
    subset.write_text('n02_7.JPEG\nn01_1.JPEG\n')
    out = tmp_path / 'train_1percent.txt'
    proc = run_tool(
        ['make_imagenet_subset.py',
         str(subset),
         str(meta),
         str(out)],
        cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == 'n01/n01_1.JPEG 0\nn02/n02_7.JPEG 1\n'
    proc = run_tool(
        ['make_imagenet_subset.py',
         str(subset),
         str(meta),
         str(out)],
        cwd=str(tmp_path))
    assert proc.returncode == 2 and 'not overwriting' in proc.stderr


def test_missing_image_is_named(tmp_path):
    meta = tmp_path / 'train.txt'
    meta.write_text('n01/n01_1.JPEG 0\n')
    subset = tmp_path / 'sub.txt'
    subset.write_text('n01_1.JPEG\nn09_9.JPEG\n')
    proc = run_tool([
        'make_imagenet_subset.py',
        str(subset),
        str(meta),
        str(tmp_path / 'o.txt')
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.endswith(f'1 image(s) of {subset} are not in {meta}, '
                         'first: n09_9.JPEG')
    assert not (tmp_path / 'o.txt').exists()
