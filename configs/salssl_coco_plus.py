# salssl_coco.py on COCO+: train2017 + unlabeled2017 (241,690 images).
# Same schedule in epochs, so about twice the iterations.
_base_ = './salssl_coco.py'

train_dataloader = dict(
    dataset=dict(
        ann_file=[
            'annotations/instances_train2017.json',
            'annotations/image_info_unlabeled2017.json'
        ],
        img_dir=['train2017', 'unlabeled2017']))
