"""The demo-v6 evidence: the paired gain and its bound, the stop rule and
its guard in the driver, the table, the crop mode of a variant, and the
record of a run (its tools faked)."""
import json
import math
import os.path as osp
import sys

import pytest

from benchmarks import evidence_demo
from benchmarks.evidence import protocols, record, table_v6


def _run(variant, seed, linear, **extra):
    return dict(
        protocol='demo-v6',
        variant=variant,
        seed=seed,
        knn_top1=20.0,
        knn_top5=60.0,
        linear_top1=linear,
        linear_loss_curve=[[1, 2.0], [2, 1.0]],
        linear_final_loss=0.9,
        semi1_top1=12.0,
        semi10_top1=20.0,
        pointing=0.7,
        pointing_contrast=0.5,
        pointing_vs_contrast=0.2,
        same_dominant_object=0.6,
        crop_mode='random',
        train_minutes=3.0,
        extra=[],
        machine='cpu X, torch 2, AVX512, 2 cores',
        commit='abc1234',
        finished='2026-12-07 12:00',
        **extra)


def test_lower_bound_is_t_over_seeds():
    mean, low = table_v6.lower_bound([1.0, 2.0, 3.0])
    # mean 2, std 1, t(0.95, 2 df) = 2.920
    assert mean == 2.0
    assert low == pytest.approx(2.0 - 2.920 / math.sqrt(3))
    assert table_v6.lower_bound([1.5]) == (1.5, None)


def _stage(gains, n_moco=None):
    rows = []
    for seed, gain in enumerate(gains):
        rows.append(_run('mocov2', seed, 30.0))
        rows.append(_run('oracle', seed, 30.0 + gain))
    return rows


def test_stop_rule_needs_six_seeds_a_one_point_gain_and_a_bound_above_0():
    assert not table_v6.stop_rule(_stage([2.0] * 5))[0]
    assert 'pending (5 of 6' in table_v6.stop_rule(_stage([2.0] * 5))[1]
    passed, text = table_v6.stop_rule(_stage([1.5, 2.0, 1.0, 1.8, 2.2, 1.2]))
    assert passed and 'passed' in text and 'n = 6' in text
    # mean above 1 but the bound below 0
    assert not table_v6.stop_rule(_stage([8.0, -5.0, 6.0, -4.0, 7.0, -3.0]))[0]
    # bound above 0 but the mean under 1
    passed, text = table_v6.stop_rule(_stage([0.5, 0.6, 0.4, 0.5, 0.6, 0.4]))
    assert not passed and 'no room' in text
    # tuning seeds never count
    rows = _stage(
        [2.0] * 5) + [_run('mocov2', 100, 30.0),
                      _run('oracle', 100, 40.0)]
    assert not table_v6.stop_rule(rows)[0]


def test_table_rows_gain_and_per_run_lines():
    rows = _stage([1.5, 2.0, 1.0, 1.8, 2.2, 1.2
                   ]) + [_run('random', s, 15.0)
                         for s in range(6)] + [_run('mocov2', 100, 99.0)]
    text = table_v6.table(rows)
    lines = text.splitlines()
    oracle = next(x for x in lines if x.startswith('| oracle maps'))
    cells = [c.strip() for c in oracle.strip('|').split('|')]
    mean, low = table_v6.lower_bound([1.5, 2.0, 1.0, 1.8, 2.2, 1.2])
    assert cells[1] == '6'
    assert cells[2] == f'{mean:+.2f} ({low:+.2f}) (n = 6)'
    moco = next(x for x in lines if x.startswith('| MoCo v2 |'))
    assert moco.split(' | ')[1:4] == ['6', '-', '30.0 ± 0.0']
    assert 'stop rule: passed' in text
    assert '| oracle | 0 | 31.5 | 2.000 -> 1.000 |' in text
    assert '| 100 |' not in text  # tuning seeds stay out


def test_driver_refuses_model_map_variants_before_the_ceiling(
        tmp_path, monkeypatch):
    results = tmp_path / 'runs.jsonl'
    results.write_text(''.join(
        json.dumps(r) + '\n' for r in _stage([2.0] * 3)))
    calls = []
    monkeypatch.setattr(evidence_demo, 'run_one', lambda v, s, a: calls.append(
        (v, s)))
    monkeypatch.setattr(sys, 'argv', [
        'evidence_demo.py', '--protocol', 'demo-v6', '--variants', 'salssl',
        '--seeds', '0', '--results',
        str(results), '--doc',
        str(tmp_path / 'r.md')
    ])
    with pytest.raises(SystemExit, match='waits for the ceiling stage'):
        evidence_demo.main()
    assert calls == []
    # tuning seeds may run any variant
    monkeypatch.setattr(sys, 'argv', [
        'evidence_demo.py', '--protocol', 'demo-v6', '--variants', 'salssl',
        '--seeds', '100', '--results',
        str(results), '--doc',
        str(tmp_path / 'r.md')
    ])
    monkeypatch.setattr(evidence_demo, 'run_one',
                        lambda v, s, a: _run(v, s, 31.0))
    evidence_demo.main()
    assert '<!-- evidence demo-v6 begin -->' in (tmp_path / 'r.md').read_text()


def test_unknown_variant_is_named(monkeypatch, capsys):
    monkeypatch.setattr(
        sys, 'argv',
        ['evidence_demo.py', '--protocol', 'demo-v6', '--variants', 'both'])
    with pytest.raises(SystemExit):
        evidence_demo.parse_args()
    assert "'both' is no variant of demo-v6" in capsys.readouterr().err


def test_crop_mode_of_the_variants():
    v6 = protocols.DEMO_V6['variants']
    assert protocols.crop_mode(None) == 'random'
    assert protocols.crop_mode(v6['mocov2']) == 'random'
    assert protocols.crop_mode(v6['reweight']) == 'random'
    assert protocols.crop_mode(v6['oracle']) == 'paired'
    assert protocols.crop_mode(v6['salssl']) == 'guided'
    assert protocols.crop_mode(v6['placebo']) == 'guided'


def test_v6_record_from_faked_tools(tmp_path, monkeypatch):
    """run_one of an oracle run: its own maps' crop measures (paired), the
    probe's loss curve from its scalars, the machine with the CPU."""
    calls = []

    def fake_train(cfg, run_dir, seed, extra, log):
        return osp.join(run_dir, 'epoch_12.pth')

    def fake_tool(name, *args, log):
        calls.append((name, args[0]))
        if name == 'train.py':  # a fine-tuning: write its scalars
            work = args[args.index('--work-dir') + 1]
            path = osp.join(work, 'x', 'vis_data')
            import os
            os.makedirs(path, exist_ok=True)
            with open(osp.join(path, 'scalars.json'), 'w') as f:
                for epoch, loss in ((1, 2.0), (1, 1.6), (2, 0.8)):
                    f.write(json.dumps(dict(loss=loss, epoch=epoch)) + '\n')
                f.write(json.dumps({'accuracy/top1': 33.0}) + '\n')
            return
        out = args[args.index('--out') + 1]
        if name == 'knn_eval.py':
            res = dict(top1=21.0, top5=61.0)
        else:
            own = args[0] != protocols.DEMO_V6['saliency']
            crops = {
                m:
                dict(
                    same_dominant_object=0.9 if own else 0.5,
                    shared_object=0.4)
                for m in ('random', 'guided', 'paired')
            }
            res = dict(
                pointing_game=0.8,
                pointing_random=0.2,
                pointing_centre=0.3,
                pointing_contrast=0.55,
                pointing_vs_contrast=0.25,
                energy_in_boxes=0.5,
                crops=crops)
        with open(out, 'w') as f:
            json.dump(res, f)

    monkeypatch.setattr(record.runs, 'train', fake_train)
    monkeypatch.setattr(record.runs, 'tool', fake_tool)
    rec = record.run_one('demo-v6', 'oracle', 3, str(tmp_path))
    assert rec['linear_top1'] == 33.0 and rec['semi1_top1'] == 33.0
    assert rec['linear_loss_curve'] == [[1, 1.8], [2, 0.8]]
    assert rec['linear_final_loss'] == 0.8
    assert rec['crop_mode'] == 'paired'
    assert rec['same_dominant_object'] == 0.9  # the oracle's own maps
    assert rec['pointing_vs_contrast'] == 0.25
    assert rec['machine'] == record.runs.machine(cpu=True)
    assert rec['machine'].endswith(record.runs.machine())
    eval_configs = [a for n, a in calls if n == 'eval_saliency.py']
    assert eval_configs == [
        protocols.DEMO_V6['saliency'], protocols.DEMO_V6['variants']['oracle']
    ]
