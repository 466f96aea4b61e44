# MoCo v2 on the generated demo scenes: the CPU-sized baseline that the
# saliency-guided configs are compared against. ResNet-18, 64 px crops of
# 96 px scenes, batch 32, 12 epochs (about 5 minutes on 2 CPU cores): the
# demo protocol of docs/results.md.
_base_ = [
    '_base_/models/mocov2_resnet18_demo.py',
    '_base_/datasets/demo_scenes_mocov2.py',
    '_base_/schedules/sgd_coslr_12e_demo.py',
    '_base_/default_runtime.py',
]

custom_hooks = [_base_.knn_hook, dict(type='BadImageHook')]
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=3))
randomness = dict(seed=0)
