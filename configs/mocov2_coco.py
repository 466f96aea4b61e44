# MoCo v2 baseline on COCO train2017 (118,287 images): mmpretrain's MoCo v2
# ResNet-50 recipe with COCO in place of ImageNet, 800 epochs, 8 GPUs x 64.
# The saliency-guided config (salssl_coco.py) differs from this one only by
# the method.
#   bash tools/dist_train.sh configs/mocov2_coco.py 8
_base_ = 'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)

data_root = 'data/coco'
max_epochs = 800

# mmpretrain's MoCo v2 views; images loaded by LoadSceneImage (any mode,
# EXIF rotation). One bad file in 118k stops the run with its name; set
# bad_image='skip' to skip such files (counted by BadImageHook).
train_pipeline = [dict(type='LoadSceneImage', bad_image='raise'),
                  *_base_.train_pipeline[1:]]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(
        _delete_=True,
        type='CocoScenes',
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        img_dir='train2017',
        pipeline=train_pipeline))
custom_hooks = [dict(type='BadImageHook')]

# lr 0.03 per 256 images in the base recipe: 0.06 for 8 x 64.
optim_wrapper = dict(optimizer=dict(lr=0.06))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
