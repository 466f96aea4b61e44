"""Finding things inside a built dataset: transforms in its pipelines
(through wrappers and view wrappers), and wrappers themselves."""
from ..errors import OptionError


def find_transforms(obj, cls, seen=None):
    """Every ``cls`` instance inside a dataset (wrappers, pipelines, view
    wrappers, nested lists)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, cls):
        return [obj]
    found = []
    if isinstance(obj, (list, tuple)):
        for item in obj:
            found += find_transforms(item, cls, seen)
        return found
    for attr in ('dataset', 'datasets', 'pipeline', 'transforms', 'pipelines',
                 'transform'):
        child = getattr(obj, attr, None)
        if child is not None and not isinstance(child, (str, dict)):
            found += find_transforms(child, cls, seen)
    return found


def check_plain_dataset(dataset):
    """Refuse a dataset wrapper (ConcatDataset, RepeatDataset,
    ClassBalancedDataset, ...) as the training set of a saliency store.

    The store is indexed by position in the training set, but a wrapped
    dataset's pipeline only sees ``sample_idx`` of its own sub-dataset, so
    crops would silently read other images' maps.
    """
    if hasattr(dataset, 'datasets') or hasattr(dataset, 'dataset'):
        raise OptionError(
            f'SaliencyHook: the training set is a {type(dataset).__name__} '
            'wrapping other datasets; the saliency store is indexed by '
            "sample_idx, which a wrapper's sub-datasets number from 0, so "
            'crops would read the wrong maps. Use one dataset (CocoScenes '
            'takes several ann_file / img_dir pairs; repeat epochs with '
            'max_epochs instead of RepeatDataset)')


def crops_to_feed(dataset, crop_type):
    """The ``crop_type`` transforms (SaliencyCrop) a saliency store feeds
    in a plain training set; a one-line error when there are none."""
    check_plain_dataset(dataset)
    crops = find_transforms(dataset, crop_type)
    if not crops:
        raise OptionError(
            'SaliencyHook: the train_dataloader pipeline has no '
            f'{crop_type.__name__} to feed; use {crop_type.__name__} in '
            'place of RandomResizedCrop')
    return crops
