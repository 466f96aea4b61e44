"""DDP on machines without CUDA.

mmengine's pytorch launcher always calls ``torch.cuda.set_device`` and its
runner wraps DDP with ``device_ids=[LOCAL_RANK]``. Without CUDA the process
group is initialised with gloo, and :func:`adapt_cfg_to_device` (called by
``tools/train.py`` / ``tools/test.py``) asks for gloo and
``device_ids=None``. With CUDA nothing changes.
"""
import os

import torch

ORIGINAL = {}


def adapt_cfg_to_device(cfg):
    """Make a config train on the devices present: without CUDA, distributed
    runs use gloo and wrap the model in DDP with ``device_ids=None``. With
    CUDA the config is left as it is."""
    if torch.cuda.is_available():
        return cfg
    env = cfg.setdefault('env_cfg', {})
    env.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg['model_wrapper_cfg'] = wrapper
    return cfg


def is_broken():
    return not torch.cuda.is_available()


def fix():
    import mmengine.dist.utils as dist_utils
    original = dist_utils._init_dist_pytorch
    ORIGINAL['_init_dist_pytorch'] = original

    def init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available():
            return original(backend, init_backend=init_backend, **kwargs)
        # No GPU: skip torch.cuda.set_device and use gloo.
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    dist_utils._init_dist_pytorch = init_dist_pytorch
