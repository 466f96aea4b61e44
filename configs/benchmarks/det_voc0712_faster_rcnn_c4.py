# Detection transfer, the MoCo protocol: Faster R-CNN R50-C4 fine-tuned on
# VOC07+12 trainval (16.5k images), tested on VOC07 test; 24k iterations,
# total batch 16 (8 GPUs x 2), lr 0.02 x0.1 at 18k and 22k, multi-scale
# training (480-800 px). SyncBN in the backbone and the RoI head (the last
# ResNet stage followed by an extra BatchNorm, as MoCo's
# Res5ROIHeadsExtraNorm: mmpretrain's ResLayerExtraNorm), nothing frozen,
# BatchNorm statistics updated, no weight decay on norm layers. Reports
# COCO-style AP (mean over IoU 0.50:0.95), AP50 and AP75 (VOC07 11-point).
# Not as MoCo's detectron2
# code: no precise-BN pass before testing, mmengine's SyncBN rather than
# detectron2's naiveSyncBN (docs/transfer.md).
# Needs mmdet 3.3 with full mmcv < 2.2 (docs/transfer.md); data in
# data/VOCdevkit. The backbone comes from tools/extract_backbone.py (or a
# training checkpoint: its 'backbone.' weights); both parts load it:
#   bash tools/dist_train.sh configs/benchmarks/det_voc0712_faster_rcnn_c4.py \
#       8 --cfg-options model.backbone.init_cfg.checkpoint=r50.pth \
#       model.roi_head.shared_head.init_cfg.checkpoint=r50.pth
# (tools/dist_train.sh starts mmdet's runner through mmengine: the config's
# default_scope is mmdet; tools/check_transfer.py checks config + weights
# without a GPU first.)
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)
pretrained = 'work_dirs/salssl_coco/backbone_r50.pth'
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    # torchvision-style weights: RGB, ImageNet mean and std (the base
    # config is for caffe-style BGR weights)
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        style='pytorch',
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        # stages 1-3 here; the checkpoint's layer4 goes to the RoI head
        init_cfg=dict(
            _delete_=True,
            type='StrictPretrained',
            checkpoint=pretrained,
            ignore=('layer4.', ))),
    roi_head=dict(
        shared_head=dict(
            type='ResLayerExtraNorm',  # registered by mmpretrain into mmdet
            style='pytorch',
            norm_cfg=norm_cfg,
            norm_eval=False,
            init_cfg=dict(
                _delete_=True,
                type='StrictPretrained',
                checkpoint=pretrained,
                keep=('layer4.', ),
                own_init=('norm.', )))))  # the extra BatchNorm: not pretrained

max_iter = 24000
train_cfg = dict(max_iters=max_iter, val_interval=4000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iter,
        by_epoch=False,
        milestones=[18000, 22000],
        gamma=0.1)
]
train_dataloader = dict(batch_size=2)  # x 8 GPUs = 16
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))

# AP over IoU 0.50:0.95 as 'pascal_voc/mAP', plus AP50 and AP75
val_evaluator = dict(
    eval_mode='11points',
    iou_thrs=[round(0.5 + 0.05 * i, 2) for i in range(10)])
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=4000, max_keep_ckpts=2))
auto_scale_lr = dict(enable=False, base_batch_size=16)
