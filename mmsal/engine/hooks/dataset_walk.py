"""Finding transforms inside a built dataset, shared by the hooks."""


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
    for attr in ('dataset', 'datasets', 'pipeline', 'transforms',
                 'pipelines', 'transform'):
        child = getattr(obj, attr, None)
        if child is not None and not isinstance(child, (str, dict)):
            found += find_transforms(child, cls, seen)
    return found
