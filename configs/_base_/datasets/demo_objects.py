# The labelled demo objects (1,000 training and 500 validation single-object
# 64 px images, 10 classes; generated with the demo scenes): the loaders of
# the kNN, the linear probe and the semi-supervised fine-tuning.
objects_root = 'data/demo_scenes'
objects_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
objects_val_loader = dict(
    batch_size=100,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DemoObjects',
        data_root=objects_root,
        split='val',
        pipeline=objects_pipeline))
objects_train_loader = dict(
    objects_val_loader,
    dataset=dict(objects_val_loader['dataset'], split='train'))
