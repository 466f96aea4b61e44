# The demo schedule: MoCo v2's SGD at lr 0.03 for one process x 32, one
# epoch of linear warm-up, then cosine to epoch 12.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=11, by_epoch=True, begin=1, end=12),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
auto_scale_lr = dict(base_batch_size=32)
