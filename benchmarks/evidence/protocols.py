"""The evidence protocols: which configs a protocol's variants pretrain
with and which configs evaluate them. ``demo-v5``: docs/results.md;
``demo-v6``: docs/protocol_demo_v6.md (frozen there; a change here that
changes a run's numbers needs a new protocol label)."""

DEMO_V5 = dict(
    variants={  # name: pretraining config (row labels: evidence/table.py)
        'random': None,
        'mocov2': 'configs/mocov2_demo.py',
        'crop': 'configs/salssl_demo_crop_only.py',
        'reweight': 'configs/salssl_demo_reweight_only.py',
        'both': 'configs/salssl_demo.py',
        # the store's update mode (SalSSL, both parts of the method)
        'online': 'configs/salssl_demo_online.py',
        'hybrid': 'configs/salssl_demo_hybrid.py',
    },
    # the ablation table; the update modes run when asked
    default_variants=['random', 'mocov2', 'crop', 'reweight', 'both'],
    finetunes={
        'linear': 'configs/benchmarks/linear_demo.py',
        'semi1': 'configs/benchmarks/semi_demo_1percent.py',
        'semi10': 'configs/benchmarks/semi_demo_10percent.py',
    },
    knn='configs/benchmarks/knn_demo.py',
    # maps of every variant's checkpoint: the same hook settings
    saliency='configs/salssl_demo.py',
    # --transfer: the demo detection benchmark's scenes (and their preset)
    detection=dict(data_root='data/demo_scenes', preset='v5'),
)

DEMO_V6 = dict(
    variants={
        'random': None,
        'mocov2': 'configs/demo_v6/mocov2.py',
        'oracle': 'configs/demo_v6/oracle.py',
        'salssl': 'configs/demo_v6/salssl.py',
        'placebo': 'configs/demo_v6/placebo.py',
        'centre': 'configs/demo_v6/centre.py',
        'area': 'configs/demo_v6/area_weights.py',
        'crop': 'configs/demo_v6/crop_only.py',
        'reweight': 'configs/demo_v6/reweight_only.py',
    },
    # the stop rule's first stage: these on every reporting seed before
    # any variant with the model's own maps
    default_variants=['random', 'mocov2', 'oracle'],
    ceiling_first=['random', 'mocov2', 'oracle'],
    finetunes={
        'linear': 'configs/benchmarks/demo_v6/linear.py',
        'semi1': 'configs/benchmarks/demo_v6/semi_1percent.py',
        'semi10': 'configs/benchmarks/demo_v6/semi_10percent.py',
    },
    knn='configs/benchmarks/demo_v6/knn.py',
    saliency='configs/demo_v6/salssl.py',
    detection=dict(data_root='data/demo_v6', preset='v6'),
)

PROTOCOLS = {'demo-v5': DEMO_V5, 'demo-v6': DEMO_V6}


def crop_mode(cfg):
    """Which of eval_saliency's crop measures (``crops.random``,
    ``guided``, ``paired``) describes the training pairs of a variant's
    config: random for MoCo v2 and unguided crops, else the crop's mode."""
    if cfg is None:
        return 'random'
    from mmengine.config import Config
    pipeline = Config.fromfile(cfg).train_dataloader.dataset.pipeline
    views = [t for t in pipeline if 'transforms' in t]
    crop = views[0]['transforms'][0][0] if views else {}
    if crop.get('type') != 'SaliencyCrop' or not crop.get('guided', True):
        return 'random'
    return 'paired' if crop.get('mode') == 'paired' else 'guided'
