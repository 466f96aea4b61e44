# Semantic segmentation transfer: FCN (ResNet-50, dilated last two stages,
# output stride 8) on VOC12 train_aug (10.6k images), tested on VOC12 val:
# mIoU. 20k iterations, total batch 16 (8 GPUs x 2), 512 px crops, SGD lr
# 0.01 poly; SyncBN, nothing frozen. The backbone is mmseg's plain ResNet
# (torchvision's stem), not the ResNetV1c of mmseg's own FCN configs.
# Needs mmsegmentation 1.2 with full mmcv < 2.2 (docs/transfer.md); data in
# data/VOCdevkit.
#   bash tools/dist_train.sh configs/benchmarks/seg_voc12aug_fcn.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=r50.pth
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'

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

train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
auto_scale_lr = dict(enable=False, base_batch_size=16)
