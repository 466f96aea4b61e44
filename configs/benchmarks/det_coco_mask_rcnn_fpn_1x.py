# Detection and instance segmentation transfer: Mask R-CNN R50-FPN on COCO
# train2017, 1x schedule (12 epochs, total batch 16 = 8 GPUs x 2, lr 0.02),
# tested on val2017: box AP and mask AP. SyncBN in the backbone, the FPN and
# the heads (4 conv + 1 fc box head), nothing frozen, the short side drawn
# from 640-800 px in training (800 in test), no weight decay on norm layers
# (the MoCo protocol, detectron2's MIN_SIZE_TRAIN; docs/transfer.md lists
# what differs).
# Needs mmdet 3.3 with full mmcv < 2.2 (docs/transfer.md); data in
# data/coco.
#   bash tools/dist_train.sh configs/benchmarks/det_coco_mask_rcnn_fpn_1x.py \
#       8 --cfg-options model.backbone.init_cfg.checkpoint=r50.pth
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)
pretrained = 'work_dirs/salssl_coco/backbone_r50.pth'
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(
            _delete_=True, type='StrictPretrained', checkpoint=pretrained)),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

# multi-scale training: the short side one of 640, 672, ..., 800 px
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, side) for side in range(640, 801, 32)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(
    batch_size=2,  # x 8 GPUs = 16
    dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))
auto_scale_lr = dict(enable=False, base_batch_size=16)
