# The generated demo scenes (2,000 training images of 96 px, generated into
# data/demo_scenes on first use) with MoCo v2's two views at 64 px, and a
# kNN hook on the labelled demo objects (knn/top1, knn/top5 every epoch).
# No GaussianBlur: its sigma of 0.1-2.0 px is set for 224-px views; on 64-px
# views it wipes out the objects' 2-10 px stripes and checks, so MoCo learns
# to ignore the pattern half of the demo classes (kNN top-1 22.6 with blur,
# 27.0 without, seed 0; docs/results_history.md). SimCLR drops blur on
# CIFAR too.
# Built on the COCO scenes base: same views but for the crop size and blur.
_base_ = ['./coco_scenes_mocov2.py', './demo_objects.py']

data_root = 'data/demo_scenes'
# The demo evidence (docs/results.md) ran with the augmentations in the
# workers; --cfg-options augment_on=device moves them to the model.
augment_on = 'cpu'
crop = dict(_base_.crop, scale=64)
view_augment = [t for t in _base_.view_augment if t['type'] != 'GaussianBlur']
view_pipeline = [crop, *view_augment]
train_pipeline = [
    _base_.load,
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        _delete_=True,
        type='DemoScenes',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))

# kNN on the demo objects after epochs 3, 6, 9 and 12 (a diagnostic of the
# run; the evidence evaluates the final checkpoint with tools/knn_eval.py)
knn_hook = dict(
    type='KNNHook',
    interval=3,
    k=20,
    temperature=0.07,
    train_dataloader=dict(_base_.objects_train_loader, num_workers=0),
    val_dataloader=dict(_base_.objects_val_loader, num_workers=0))
