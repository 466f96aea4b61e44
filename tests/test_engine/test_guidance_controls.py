"""The saliency sources in a training run and in tools/eval_saliency.py."""
import json
import re

import numpy as np

from ..conftest import (TINY_SALIENCY_HOOK, ok, run_tool, tiny_config,
                        tiny_loader)


def test_oracle_source_trains_computed_once_with_crop_stats(
        demo_root, tmp_path):
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        train_cfg=dict(max_epochs=3),
        train_dataloader=tiny_loader(demo_root, num_workers=0),
        custom_hooks=[
            dict(TINY_SALIENCY_HOOK, source='oracle'),
            dict(type='CropStatsHook')
        ])
    log = ok(
        run_tool(['train.py', cfg, '--work-dir',
                  str(tmp_path / 'w')],
                 cwd=str(tmp_path)))
    assert "source='oracle'" in log
    # a static source: one pass when warm-up ends, none at epoch 3
    assert len(re.findall(r'refreshed 24 maps before epoch', log)) == 1
    assert re.search(r'pointing_game 1\.000', log)
    stats = re.findall(r'CropStatsHook: epoch (\d), 24 pairs: (.*)', log)
    assert [e for e, _ in stats] == ['1', '2', '3']
    last = dict(
        (k, float(v)) for k, v in re.findall(r'(\S+) ([-\d.]+)', stats[-1][1]))
    assert 0 <= last['crops/same_dominant_object'] <= 1
    assert abs(last['weights/mean'] - 1) < 1e-3 and last['weights/std'] > 0


def test_eval_saliency_sources_and_crop_pairs(demo_root, tmp_path):
    cfg = tiny_config(tmp_path / 'cfg.py', demo_root)
    scores = {}
    for source in ('oracle', 'shuffled'):
        out = str(tmp_path / f'{source}.json')
        extra = ['--source-cfg', 'of=oracle'] if source == 'shuffled' else []
        ok(
            run_tool(
                [
                    'eval_saliency.py', cfg, 'random', '--split', 'val',
                    '--source', source, '--pairs', '300', '--out', out
                ] + extra,
                cwd=str(tmp_path)))
        with open(out) as f:
            scores[source] = json.load(f)
    oracle = scores['oracle']
    assert oracle['pointing_game'] >= 0.98 and oracle['source'] == 'oracle'
    assert oracle['oracle_from'] == 'boxes' and oracle['native_grid'] == 7
    assert oracle['energy_in_boxes'] > oracle['box_area_share'] + 0.2
    assert scores['shuffled']['pointing_game'] <= oracle['pointing_game'] - .1
    for key in ('pointing_contrast', 'pointing_vs_contrast'):
        assert np.isfinite(oracle[key])
    crops = oracle['crops']
    assert set(crops) == {'random', 'guided', 'paired'}
    assert crops['random']['pairs'] == 300
    assert crops['paired']['same_dominant_object'] >= \
        crops['random']['same_dominant_object'] + 0.1


def test_file_source_with_a_misshaped_map_fails_in_one_line(
        demo_root, tmp_path):
    cfg = tiny_config(tmp_path / 'cfg.py', demo_root)
    maps = {str(i): np.ones((7, 7)) for i in range(1, 9)}
    maps['3'] = np.ones((2, 7, 7))
    np.savez(tmp_path / 'maps.npz', **maps)
    proc = run_tool([
        'eval_saliency.py', cfg, 'random', '--split', 'val', '--source',
        'file', '--source-cfg', f'path={tmp_path / "maps.npz"}'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: file saliency maps: the map of image 3')
    assert '(2, 7, 7)' in last
