"""Crafted and broken checkpoints given to the tools: refused with one line
naming the file, and the crafted one's code never runs."""
import os

import torch

from ..conftest import CONFIGS, run_tool, tiny_loader, write_config


class _RunsCode:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):  # unpickling would create the marker file
        return (os.system, (f'touch {self.marker}', ))


def _last_line(proc):
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stderr.strip().splitlines()[-1]


def test_crafted_and_truncated_checkpoints(demo_root, tmp_path):
    marker = tmp_path / 'code_ran'
    evil = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(state_dict=dict(w=torch.ones(1)), meta=_RunsCode(marker)), evil)
    truncated = str(tmp_path / 'truncated.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1000))), truncated)
    with open(truncated, 'r+b') as f:
        f.truncate(300)
    cfg = write_config(
        tmp_path / 'cfg.py',
        'salssl_demo.py',
        train_dataloader=tiny_loader(demo_root, num_workers=0))
    knn = os.path.join(CONFIGS, 'benchmarks', 'knn_demo.py')
    runs = {
        'train.py': [cfg, '--work-dir',
                     str(tmp_path / 'w'), '--resume'],
        'knn_eval.py': [knn],
        'extract_backbone.py': [],
        'eval_saliency.py': [cfg],
    }
    for tool, args in runs.items():
        # every tool on the crafted file; the truncated one on two of them
        both = tool in ('train.py', 'knn_eval.py')
        for ckpt in (evil, truncated) if both else (evil, ):
            extra = [str(tmp_path / f'out_{tool}.pth')] if \
                tool == 'extract_backbone.py' else []
            line = _last_line(
                run_tool([tool] + args + [ckpt] + extra, cwd=str(tmp_path)))
            if ckpt == evil:
                assert line == (
                    f'error: refused to load {evil}: it asks for posix.system,'
                    ' which is not on the safe allow-list (unpickling it '
                    'could run code); mmsal loads checkpoints with '
                    'weights-only loading only'), (tool, line)
            else:
                assert line.startswith(
                    f'error: cannot read checkpoint {truncated}: truncated '
                    'or not a torch checkpoint'), (tool, line)
    assert not marker.exists()
