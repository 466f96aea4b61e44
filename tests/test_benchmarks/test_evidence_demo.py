"""benchmarks.evidence_demo: the table, the doc markers, skipping and
appending runs (training itself is covered by the tools' tests)."""
import json
import sys

import pytest


@pytest.fixture
def evidence():
    from benchmarks import evidence_demo
    return evidence_demo


def _run(variant, seed, knn, protocol='p'):
    return dict(
        protocol=protocol,
        variant=variant,
        seed=seed,
        knn_top1=knn,
        knn_top5=90.0,
        linear_top1=knn + 10,
        pointing=0.5 + knn / 100,
        pointing_random=0.3,
        pointing_centre=0.7,
        train_minutes=1.0,
        extra=[],
        finished='2026-11-26 12:00')


def test_table_means_and_stds_per_variant(evidence):
    results = [_run('mocov2', s, k) for s, k in enumerate((20., 22., 24.))]
    results += [_run('both', 0, 30.), _run('both', 1, 30., protocol='old')]
    text = evidence.table(results, 'p')
    lines = text.splitlines()
    moco = next(x for x in lines if x.startswith('| MoCo v2 |'))
    assert moco.split(' | ')[1:5] == ['3', '22.0 ± 2.0', '-', '32.0 ± 2.0']
    assert '0.720 ± 0.020' in moco  # pointing 0.70, 0.72, 0.74
    both = next(x for x in lines if x.startswith('| + both'))
    assert both.split(' | ')[1:4] == ['1', '30.0', '+10.0 (n = 1)']
    # (the 'old' protocol's run is not in)
    assert '| random init' not in text  # no random-init run yet: no row


def test_paired_difference_uses_same_seed_runs_only(evidence):
    results = [
        _run('mocov2', 0, 20.),
        _run('mocov2', 1, 10.),
        _run('both', 0, 23.),
        _run('both', 1, 11.),
        _run('both', 2, 50.)
    ]  # seed 2 has no MoCo v2 run
    both = next(
        line for line in evidence.table(results, 'p').splitlines()
        if line.startswith('| + both'))
    # +3 and +1: mean +2.0, std 1.4; the unpaired means differ by 13.0
    assert both.split(' | ')[3] == '+2.0 ± 1.4 (n = 2)'


def test_render_keeps_the_prose_and_other_protocols_tables(evidence, tmp_path):
    doc = tmp_path / 'results.md'
    p_begin, p_end = evidence.markers('p')
    old_begin, old_end = evidence.markers('old')
    doc.write_text(f'# Results\nintro\n{p_begin}\nstale\n{p_end}\n'
                   f'between\n{old_begin}\nold table\n{old_end}\nafter\n')
    evidence.render(
        str(doc),
        [_run('mocov2', 0, 21.),
         _run('mocov2', 0, 5., protocol='old')], 'p')
    text = doc.read_text()
    assert text.startswith('# Results\nintro\n') and text.endswith(
        f'between\n{old_begin}\nold table\n{old_end}\nafter\n')
    assert 'stale' not in text and '| MoCo v2 | 1 | 21.0 |' in text
    assert '5.0' not in text
    new = tmp_path / 'new.md'
    evidence.render(str(new), [], 'p')
    assert new.read_text().startswith(p_begin)


def test_per_run_rows_show_the_factor_knn(evidence):
    run = dict(_run('mocov2', 0, 20.), knn_shape=41.2, knn_pattern=63.0)
    text = evidence.table([run, _run('both', 0, 22.)], 'p')
    assert '| mocov2 | 0 | 20.0 | 41.2 / 63.0 | 30.0 |' in text
    assert '| both | 0 | 22.0 | - | 32.0 |' in text  # older runs: no factors


def test_main_skips_done_runs_and_appends_each_at_once(evidence, tmp_path,
                                                       monkeypatch):
    results, doc = tmp_path / 'runs.jsonl', tmp_path / 'results.md'
    results.write_text(
        json.dumps(_run('mocov2', 0, 20.)) + '\n' +
        json.dumps(_run('both', 0, 20., protocol='old')) + '\n')
    calls = []

    def fake_run_one(variant, seed, args):
        # every earlier run is already in the file when the next one starts
        assert len(evidence.load_results(str(results))) == 2 + len(calls)
        calls.append((variant, seed))
        return _run(variant, seed, 25., protocol=args.protocol)

    monkeypatch.setattr(evidence, 'run_one', fake_run_one)
    monkeypatch.setattr(sys, 'argv', [
        'evidence_demo.py', '--variants', 'mocov2', 'both', '--seeds', '0',
        '1', '--results',
        str(results), '--doc',
        str(doc), '--protocol', 'p'
    ])
    evidence.main()
    assert calls == [('both', 0), ('mocov2', 1), ('both', 1)]
    assert len(evidence.load_results(str(results))) == 5
    assert '| MoCo v2 | 2 | 22.5 ± 3.5 |' in doc.read_text()


def test_semi_columns_and_pointing_relative_to_random_init(evidence):

    def semi(run, one, ten):
        return dict(run, semi1_top1=one, semi10_top1=ten)

    results = [
        semi(_run('random', 0, 10.), 11., 15.),
        semi(_run('random', 1, 12.), 13., 17.),
        semi(_run('mocov2', 0, 20.), 16., 30.),
        semi(_run('mocov2', 1, 22.), 18., 34.),
        _run('both', 0, 24.),  # recorded before the semi columns
    ]
    lines = evidence.table(results, 'p').splitlines()
    header = next(x for x in lines if x.startswith('| variant | n |'))
    cols = [c.strip() for c in header.strip('|').split('|')]
    assert cols[5:9] == [
        'semi 1 %', 'semi 10 %', 'pointing game', 'pointing vs random init'
    ]

    def row(label):
        line = next(x for x in lines if x.startswith(f'| {label} |'))
        return [c.strip() for c in line.strip('|').split('|')]

    moco, both, floor = row('MoCo v2'), row('+ both (SalSSL)'), row(
        'random init (floor)')
    assert moco[5:7] == ['17.0 ± 1.4', '32.0 ± 2.8']
    # pointing = 0.5 + knn / 100: MoCo v2 +0.100 on both seeds
    assert moco[8] == '+0.100 ± 0.000 (n = 2)'
    assert both[5:7] == ['-', '-'] and both[8] == '+0.140 (n = 1)'
    assert floor[8] == '-'
    per_run = '| mocov2 | 0 | 20.0 | - | 30.0 | 16.0 / 30.0 | 0.700 |'
    assert any(x.startswith(per_run) for x in lines)


def test_transfer_fills_recorded_runs_once(evidence, tmp_path, monkeypatch):
    """--transfer: each recorded run of the protocol gets its detection AP
    (full and 10 %), pretraining again where the run's folder is gone; a
    run that has it is left alone."""
    results, doc = tmp_path / 'runs.jsonl', tmp_path / 'results.md'
    done = dict(_run('both', 0, 20.), det_ap=1.0)
    results.write_text(''.join(
        json.dumps(r) + '\n'
        for r in (_run('random', 0, 10.), _run('mocov2', 0, 20.), done)))
    trained, tools = [], []

    def fake_train(cfg, run_dir, seed, extra, log):
        trained.append(cfg)
        return f'{run_dir}/epoch_12.pth'

    def fake_tool(name, *args, log):
        out = args[args.index('--out') + 1]
        if name == 'knn_eval.py':  # the pretrained-again checkpoint's kNN
            tools.append((name, args[1], 'knn'))
            with open(out, 'w') as f:
                json.dump(dict(top1=19.5), f)
            return
        tools.append((name, args[0], args[2]))
        assert args[args.index('--finetune-seed') + 1] == '0'
        # demo-v5's scenes for any protocol but demo-v6
        assert args[args.index('--data-root') + 1] == 'data/demo_scenes'
        assert args[args.index('--preset') + 1] == 'v5'
        ap = 10.0 if args[0] == 'random' else 20.0
        ap /= 2 if args[2] == 'low' else 1
        with open(out, 'w') as f:
            json.dump(
                dict(ap=ap, ap50=2 * ap, ap75=ap / 2, finetune_minutes=1.0), f)

    monkeypatch.setattr(evidence.runs, 'train', fake_train)
    monkeypatch.setattr(evidence.runs, 'tool', fake_tool)
    monkeypatch.setattr(sys, 'argv', [
        'evidence_demo.py', '--transfer', '--variants', 'random', 'mocov2',
        'both', '--seeds', '0', '--results',
        str(results), '--doc',
        str(doc), '--protocol', 'p', '--work-dir',
        str(tmp_path / 'work')
    ])
    evidence.main()
    assert trained == ['configs/mocov2_demo.py']  # random needs none
    assert [t[2] for t in tools] == ['full', 'low', 'knn', 'full', 'low']
    rows = {r['variant']: r for r in evidence.load_results(str(results))}
    assert rows['mocov2']['det_ap'] == 20.0
    assert rows['mocov2']['det_low_ap'] == 10.0
    assert rows['mocov2']['det_repretrained'] is True
    assert rows['mocov2']['det_knn_top1'] == 19.5
    assert 'det_knn_top1' not in rows['random']
    assert rows['mocov2']['det_machine'] == evidence.runs.machine()
    # the fine-tuning seed is recorded apart from the pretraining seed
    assert rows['mocov2']['det_finetune_seed'] == 0
    assert rows['both']['det_ap'] == 1.0 and 'det_low_ap' not in rows['both']
    text = doc.read_text()
    assert 'Detection transfer' in text
    assert '| random init (floor) | 1 | 10.0 | -10.0 (n = 1) |' in text
    # pretrained again: kNN 19.5 against the recorded 20.0, not the same net
    moco_row = next(x for x in text.splitlines()
                    if x.startswith('| MoCo v2 |') and x.count('|') == 10)
    assert moco_row.endswith('| 0/1 |')


def test_demo_v6_transfer_fine_tunes_on_its_scenes(evidence, tmp_path,
                                                   monkeypatch):
    """--protocol demo-v6 --transfer: the detection benchmark gets the
    demo-v6 scenes and their preset; the fine-tuning seed can be set."""
    results, doc = tmp_path / 'runs.jsonl', tmp_path / 'results.md'
    results.write_text(
        json.dumps(_run('random', 3, 10., protocol='demo-v6')) + '\n')
    calls = []

    def fake_tool(name, *args, log):
        calls.append(args)
        with open(args[args.index('--out') + 1], 'w') as f:
            json.dump(dict(ap=1., ap50=2., ap75=.5, finetune_minutes=1.), f)

    monkeypatch.setattr(evidence.runs, 'tool', fake_tool)
    rendered = []
    monkeypatch.setattr(evidence.table_v6, 'render',
                        lambda doc, rows: rendered.append(len(rows)))
    monkeypatch.setattr(sys, 'argv', [
        'evidence_demo.py', '--transfer', '--protocol', 'demo-v6',
        '--variants', 'random', '--seeds', '3', '--finetune-seed', '11',
        '--results',
        str(results), '--doc',
        str(doc), '--work-dir',
        str(tmp_path / 'work')
    ])
    evidence.main()
    assert len(calls) == 2  # full and 10 %
    for args in calls:
        assert args[args.index('--data-root') + 1] == 'data/demo_v6'
        assert args[args.index('--preset') + 1] == 'v6'
        assert args[args.index('--finetune-seed') + 1] == '11'
    row = evidence.load_results(str(results))[0]
    assert row['det_finetune_seed'] == 11 and row['seed'] == 3
    assert rendered and not doc.exists()  # demo-v6's own table, not v5's
