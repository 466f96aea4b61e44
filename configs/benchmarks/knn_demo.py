# kNN evaluation on the demo objects (cosine, k=20, T=0.07) of a pretraining
# checkpoint's backbone:
#   python tools/knn_eval.py configs/benchmarks/knn_demo.py \
#       work_dirs/salssl_demo/epoch_12.pth
#   python tools/knn_eval.py configs/benchmarks/knn_demo.py random  # floor
custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)
default_scope = 'mmpretrain'

data_root = 'data/demo_scenes'
backbone = dict(type='ResNet', depth=18)
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
knn = dict(k=20, temperature=0.07)

_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
knn_train_dataloader = dict(
    batch_size=100,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DemoObjects',
        data_root=data_root,
        split='train',
        pipeline=_pipeline))
knn_val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DemoObjects',
        data_root=data_root,
        split='val',
        pipeline=_pipeline))
