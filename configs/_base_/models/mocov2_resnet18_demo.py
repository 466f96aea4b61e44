# MoCo v2 with a ResNet-18, sized for the demo scenes (2,000 images, 12
# epochs): queue 512 (keep it well below the number of images, see
# docs/method.md) and m = 0.99 (few steps, so a faster key encoder).
_base_ = './mocov2_resnet50.py'

model = dict(
    queue_len=512,
    momentum=0.01,
    backbone=dict(depth=18),
    neck=dict(in_channels=512, hid_channels=512))
