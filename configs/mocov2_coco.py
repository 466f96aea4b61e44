# MoCo v2 baseline on COCO train2017: mmpretrain's MoCo v2 ResNet-50 recipe
# with COCO in place of ImageNet, 800 epochs, 8 GPUs x 64. salssl_coco.py
# differs from it only by the method.
#   bash tools/dist_train.sh configs/mocov2_coco.py 8
_base_ = [
    '_base_/models/mocov2_resnet50.py',
    '_base_/datasets/coco_scenes_mocov2.py',
    '_base_/schedules/sgd_coslr_800e.py',
    '_base_/default_runtime.py',
]

custom_hooks = [dict(type='BadImageHook')]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
