# The method's reweighting alone on demo-v6: salssl.py with
# RandomResizedCrop's boxes (guided=False), their saliency scores recorded
# and used as loss weights.
_base_ = './salssl.py'

crop = dict(_base_.crop, guided=False)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.train_pipeline[1], transforms=[view_pipeline]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
