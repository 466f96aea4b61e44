# semi_imagenet_1percent.py on the SimCLR 10 % subset (128,116 images).
#   python tools/make_imagenet_subset.py 10percent.txt \
#       data/imagenet/meta/train.txt data/imagenet/meta/train_10percent.txt
_base_ = './semi_imagenet_1percent.py'

train_dataloader = dict(dataset=dict(ann_file='meta/train_10percent.txt'))
