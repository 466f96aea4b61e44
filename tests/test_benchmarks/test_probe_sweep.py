"""benchmarks.probe_sweep with its probes faked: the fit / holdout parts,
the lr and epochs handed to each probe, the best setting on average over
checkpoints, the loss curve, and --out never overwritten."""
import json
import os
import os.path as osp
import sys

import pytest

from benchmarks import probe_sweep


def test_sweep_picks_the_best_setting_on_average(tmp_path, monkeypatch):
    seen = []

    def fake_tool(name, *args, log):
        opts = args[args.index('--cfg-options') + 1:]
        lr = float(next(o for o in opts if 'optimizer.lr=' in o).split('=')[1])
        ckpt = next(o for o in opts if 'init_cfg' in o)
        seen.append(opts)
        work = args[args.index('--work-dir') + 1]
        epochs = int(next(o for o in opts if 'max_epochs' in o).split('=')[1])
        os.makedirs(osp.join(work, 'run', 'vis_data'))
        # random init peaks at lr 1.0, the checkpoint at 0.1; 0.1 wins on
        # average
        top1 = {
            0.1: 40.0,
            1.0: 30.0
        } if 'None' not in ckpt else {
            0.1: 20.0,
            1.0: 25.0
        }
        with open(osp.join(work, 'run', 'vis_data', 'scalars.json'), 'w') as f:
            for e in range(1, epochs + 1):
                f.write(json.dumps(dict(loss=2.0 / e, epoch=e)) + '\n')
            f.write(json.dumps({'accuracy/top1': top1[lr]}) + '\n')
        open(osp.join(work, f'epoch_{epochs}.pth'), 'w').close()

    monkeypatch.setattr(probe_sweep.runs, 'tool', fake_tool)
    out = tmp_path / 'sweep.json'
    argv = [
        'probe_sweep.py', 'cfg.py', 'ck.pth', 'random', '--lrs', '0.1', '1.0',
        '--epochs', '4', '--out',
        str(out), '--work-dir',
        str(tmp_path / 'w')
    ]
    monkeypatch.setattr(sys, 'argv', argv)
    probe_sweep.main()
    result = json.loads(out.read_text())
    assert result['best'] == dict(lr=0.1, epochs=4, mean_holdout=30.0)
    assert len(result['rows']) == 4
    row = result['rows'][0]
    assert row['loss_curve'] == [[1, 2.0], [2, 1.0], [3, 0.666667], [4, 0.5]]
    assert row['final_loss'] == 0.5
    for opts in seen:  # trained on 'fit', scored on 'holdout' of train
        assert 'train_dataloader.dataset.part=fit' in opts
        assert 'val_dataloader.dataset.part=holdout' in opts
        assert 'val_dataloader.dataset.split=train' in opts
    # a second call reuses the probes, and never overwrites --out
    seen.clear()
    with pytest.raises(SystemExit, match='exists'):
        probe_sweep.main()
    out.unlink()
    probe_sweep.main()
    assert seen == []
