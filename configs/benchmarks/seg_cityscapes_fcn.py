# Semantic segmentation transfer: FCN (ResNet-50, output stride 8) on
# Cityscapes train_fine (2,975 images), tested on val: mIoU. 40k
# iterations, total batch 8 (4 GPUs x 2, mmseg's Cityscapes batch;
# auto_scale_lr.base_batch_size declares it: --auto-scale-lr scales the lr
# for another total), 769 px crops, SGD lr 0.01 poly,
# sliding-window test; SyncBN, nothing frozen. mmseg's plain ResNet
# backbone (torchvision's stem). Needs mmsegmentation 1.2 with full mmcv
# < 2.2 (docs/transfer.md); data in data/cityscapes.
#   bash tools/dist_train.sh configs/benchmarks/seg_cityscapes_fcn.py 4 \
#       --cfg-options model.backbone.init_cfg.checkpoint=r50.pth
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)
pretrained = 'work_dirs/salssl_coco/backbone_r50.pth'

model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        frozen_stages=-1,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        init_cfg=dict(type='StrictPretrained', checkpoint=pretrained)))

train_dataloader = dict(batch_size=2)  # x 4 GPUs = 8
auto_scale_lr = dict(enable=False, base_batch_size=8)
