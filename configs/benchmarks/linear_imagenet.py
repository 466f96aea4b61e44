# ImageNet linear probe of a pretraining checkpoint, mmpretrain's MoCo v2
# protocol unchanged: frozen ResNet-50, SGD lr 30 (no weight decay), 100
# epochs, lr x0.1 at epochs 60 and 80, 8 GPUs x 32, data in data/imagenet.
#   bash tools/dist_train.sh configs/benchmarks/linear_imagenet.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/salssl_coco/epoch_800.pth
_base_ = 'mmpretrain::mocov2/benchmarks/resnet50_8xb32-linear-steplr-100e_in1k.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)

# mmpretrain's ImageNet with the label-list checks of LabeledImageNet.
train_dataloader = dict(dataset=dict(type='LabeledImageNet'))
val_dataloader = dict(dataset=dict(type='LabeledImageNet'))
test_dataloader = val_dataloader
