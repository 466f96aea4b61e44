# Runtime shared by every mmsal config: mmpretrain's registries (mmsal
# registers into them), hooks, logging, environment. `custom_imports`
# imports mmsal while the config is read, so mmsal's tools/train.py,
# mmpretrain's own tools/train.py and `mim train mmpretrain` all work.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # a resumed run continues the killed one exactly: per-sample seeds for
    # the data workers, random states saved in checkpoints (mmsal)
    exact_resume=dict(type='ExactResumeHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # gloo without CUDA (mmsal.compat)
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
