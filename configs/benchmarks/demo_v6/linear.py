# The demo-v6 linear probe: a frozen ResNet-18, its pooled features
# normalised by a BatchNorm without affine parameters (as MAE's probe), then
# a linear classifier over the 10 classes. The normalisation makes the
# probe's step independent of the features' scale, which a reweighted
# pretraining loss changes; linear_demo.py (demo-v5) fed the raw features
# and did not converge in its 10 epochs (loss 117 -> 176 -> 11.9).
# lr 0.03 and 20 epochs (cosine) are the best on average of a sweep on
# tuning seed 100 (lr 0.01 / 0.03 / 0.1 / 1.0 x 10 / 20 / 40 epochs over
# random init, MoCo v2 and the oracle; trained on the 'fit' four fifths of
# the training objects, scored on the 'holdout' fifth:
# benchmarks/results/probe_sweep_demo_v6*.json, docs/protocol_demo_v6.md).
# Set the checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/.../epoch_12.pth
_base_ = '../linear_demo.py'

demo_v6 = dict(data_root='data/demo_v6', demo_settings=dict(preset='v6'))
model = dict(neck=[
    dict(type='GlobalAveragePooling'),
    dict(type='ClsBatchNormNeck', input_features=512),
])
train_dataloader = dict(dataset=demo_v6)
val_dataloader = dict(dataset=demo_v6)
test_dataloader = dict(dataset=demo_v6)
optim_wrapper = dict(optimizer=dict(lr=0.03))
param_scheduler = dict(T_max=20)
train_cfg = dict(max_epochs=20, val_interval=10)
default_hooks = dict(checkpoint=dict(interval=10))
