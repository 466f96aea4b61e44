# The method's parts, added to a MoCo v2 config by the salssl_* configs:
# SalSSL with the saliency-reweighted head, SaliencyCrop's options (in place
# of RandomResizedCrop, same scale and ratios), the two-view wrapper that
# keeps each view's score, box and flip, and the packing that hands them to
# the model. gamma 0.5 was chosen on the demo (docs/results_history.md:
# 1.0 and 0.5 on 5 seeds), not on COCO.
salssl_model = dict(
    type='SalSSL',
    symmetric=False,
    head=dict(
        type='SaliencyReweightedContrastiveHead',
        combine='geometric',
        gamma=0.5,
        clamp=(0.1, 10.0)))
saliency_crop = dict(
    type='SaliencyCrop', mode='candidates', num_candidates=32, tau=0.5)
saliency_views = dict(type='SaliencyMultiView', num_views=2)
saliency_pack = dict(
    type='PackInputs', algorithm_keys=['saliency_score', 'crop_box'])
# Per-epoch diagnostics where the data has boxes (COCO, the demo): what
# the training pairs hold (crops/*) and what the pair weights follow
# (weights/*); docs/guidance.md.
crop_stats_hook = dict(type='CropStatsHook', max_pairs=2000)
