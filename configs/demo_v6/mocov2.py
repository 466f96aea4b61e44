# MoCo v2 on the demo-v6 scenes (docs/protocol_demo_v6.md): mocov2_demo.py
# with the data swapped, nothing else changed. COCO-like 96 px scenes (1-5
# small objects, shared backgrounds, high-contrast distractors), generated
# into data/demo_v6 on first use; the views stay 64 px crops at scale
# 0.2-1, the kNN hook scores the demo-v6 objects.
_base_ = '../mocov2_demo.py'

demo_v6 = dict(data_root='data/demo_v6', demo_settings=dict(preset='v6'))
train_dataloader = dict(dataset=demo_v6)


def _v6_loader(loader):
    return dict(loader, dataset=dict(loader['dataset'], **demo_v6))


knn_hook = dict(
    _base_.knn_hook,
    train_dataloader=_v6_loader(_base_.knn_hook.train_dataloader),
    val_dataloader=_v6_loader(_base_.knn_hook.val_dataloader))
custom_hooks = [knn_hook, dict(type='BadImageHook')]
