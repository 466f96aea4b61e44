# MoCo v2's SGD (momentum 0.9, weight decay 1e-4) with lr 0.03 per 256
# images: 0.06 for 8 GPUs x 64; cosine over 800 epochs. Scaling to another
# total batch is off unless --auto-scale-lr is given.
max_epochs = 800
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.06, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
