# kNN evaluation on the demo objects (cosine, k=20, T=0.07) of a pretraining
# checkpoint's backbone:
#   python tools/knn_eval.py configs/benchmarks/knn_demo.py \
#       work_dirs/salssl_demo/epoch_12.pth
#   python tools/knn_eval.py configs/benchmarks/knn_demo.py random  # floor
_base_ = '../_base_/datasets/demo_objects.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)
default_scope = 'mmpretrain'

backbone = dict(type='ResNet', depth=18)
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
knn = dict(k=20, temperature=0.07)
knn_train_dataloader = _base_.objects_train_loader
knn_val_dataloader = _base_.objects_val_loader
