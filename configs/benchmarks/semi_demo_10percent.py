# Demo equivalent of semi_imagenet_10percent.py: the pretrained ResNet-18 and
# a linear head, all parameters fine-tuned on 10 % of the demo objects'
# labels (the first 100 training objects: 10 per class, since classes cycle
# with the index), 20 epochs, lr x0.1 at 12 and 16; evaluated on all 500 val
# objects. Set the checkpoint as in linear_demo.py.
_base_ = './linear_demo.py'

model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
train_dataloader = dict(batch_size=20, dataset=dict(indices=100))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10)}))
param_scheduler = dict(
    _delete_=True,
    type='MultiStepLR',
    by_epoch=True,
    milestones=[12, 16],
    gamma=0.1)
train_cfg = dict(max_epochs=20, val_interval=5)
