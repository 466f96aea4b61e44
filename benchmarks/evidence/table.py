"""The evidence table of ``benchmarks.evidence_demo``, rendered from its
results file into a doc (between a protocol's markers).

Columns: kNN top-1 and its paired difference to the MoCo v2 run of the
same seed; linear top-1; semi-supervised top-1 at 1 % and 10 % of the
labels (rows recorded before those columns existed show '-'); the pointing
game and its paired difference to the random init of the same seed (random
init already points at the demo's high-contrast objects, so only the
difference says whether training improved localisation).
"""
import os.path as osp
import statistics

#: name: row label, in table order
LABELS = {
    'random': 'random init (floor)',
    'mocov2': 'MoCo v2',
    'crop': '+ SaliencyCrop',
    'reweight': '+ reweighting',
    'both': '+ both (SalSSL)',
    'online': 'SalSSL, online store',
    'hybrid': 'SalSSL, hybrid store',
}
HEADER = ('| variant | n | kNN top-1 | kNN vs MoCo v2 | linear top-1 | '
          'semi 1 % | semi 10 % | pointing game | pointing vs random init '
          '| train min |')


def mean_std(values, digits=1):
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} ± '
            f'{statistics.stdev(values):.{digits}f}')


def paired(diffs, digits=1):
    """Signed mean (± std) of paired differences, with their count."""
    if not diffs:
        return '-'
    text = f'{statistics.mean(diffs):+.{digits}f}'
    if len(diffs) > 1:
        text += f' ± {statistics.stdev(diffs):.{digits}f}'
    return f'{text} (n = {len(diffs)})'


def _by_seed(rows, variant, key):
    return {
        r['seed']: r[key]
        for r in rows if r['variant'] == variant and key in r
    }


def table(results, protocol):
    rows = [r for r in results if r['protocol'] == protocol]
    lines = [
        f'Protocol `{protocol}`; mean ± std over seeds (n = seeds done). '
        '"vs": the paired difference to the run of the same seed (same '
        'initial weights and data order), over the seeds both have.', '',
        HEADER, '|---' * HEADER.count(' | ') + '|---|'
    ]
    moco = _by_seed(rows, 'mocov2', 'knn_top1')
    floor = _by_seed(rows, 'random', 'pointing')
    for name, label in LABELS.items():
        runs = [r for r in rows if r['variant'] == name]
        if not runs:
            continue

        def col(key, digits=1):
            return mean_std([r[key] for r in runs if key in r], digits)

        vs_moco = paired([
            r['knn_top1'] - moco[r['seed']] for r in runs if r['seed'] in moco
        ]) if name != 'mocov2' else '-'
        vs_floor = paired([
            r['pointing'] - floor[r['seed']]
            for r in runs if r['seed'] in floor
        ], 3) if name != 'random' else '-'
        lines.append(f"| {label} | {len(runs)} | {col('knn_top1')} | "
                     f"{vs_moco} | {col('linear_top1')} | "
                     f"{col('semi1_top1')} | {col('semi10_top1')} | "
                     f"{col('pointing', 3)} | {vs_floor} | "
                     f"{col('train_minutes')} |")
    lines += transfer_table(rows)
    lines += [
        '', 'Per run (kNN shape / pattern: the same kNN with the objects '
        'labelled by shape, 5 classes, or by pattern, 2):', '',
        '| variant | seed | kNN top-1 | kNN shape / pattern | linear top-1 '
        '| semi 1 % / 10 % | pointing | box AP / 10 % | finished | machine |',
        '|---' * 10 + '|'
    ]
    order = list(LABELS)
    for r in sorted(
            rows, key=lambda r: (order.index(r['variant']), r['seed'])):
        factors = (f"{r['knn_shape']:.1f} / {r['knn_pattern']:.1f}"
                   if 'knn_shape' in r else '-')
        semi = (f"{r['semi1_top1']:.1f} / {r['semi10_top1']:.1f}"
                if 'semi10_top1' in r else '-')
        det = (f"{r['det_ap']:.1f} / {r['det_low_ap']:.1f}"
               if 'det_ap' in r and 'det_low_ap' in r else '-')
        lines.append(f"| {r['variant']} | {r['seed']} | {r['knn_top1']:.1f} "
                     f"| {factors} | {r['linear_top1']:.1f} | {semi} | "
                     f"{r['pointing']:.3f} | {det} | {r['finished']} | "
                     f"{r.get('machine', '-')} |")
    return '\n'.join(lines)


def transfer_table(rows):
    """Detection transfer columns (``benchmarks.transfer_det_demo``), for
    the runs that have them."""
    if not any('det_ap' in r for r in rows):
        return []
    lines = [
        '', 'Detection transfer (Faster R-CNN + FPN on the ResNet-18, demo '
        'scenes; COCO box AP on the val scenes; 10 %: fine-tuned on 200 '
        'of the 2,000 train scenes):', '',
        '| variant | n | box AP | AP vs MoCo v2 | AP50 | box AP, 10 % '
        '| AP 10 % vs MoCo v2 | fine-tune min | pretrained again, same kNN |',
        '|---' * 9 + '|'
    ]
    moco = {
        key: _by_seed(rows, 'mocov2', key)
        for key in ('det_ap', 'det_low_ap')
    }
    for name, label in LABELS.items():
        runs = [r for r in rows if r['variant'] == name and 'det_ap' in r]
        if not runs:
            continue

        def col(key):
            return mean_std([r[key] for r in runs if key in r])

        def vs(key):
            if name == 'mocov2':
                return '-'
            return paired([
                r[key] - moco[key][r['seed']] for r in runs
                if key in r and r['seed'] in moco[key]
            ])

        again = [r for r in runs if 'det_knn_top1' in r]
        same = sum(
            abs(r['det_knn_top1'] - r['knn_top1']) < 0.05 for r in again)
        lines.append(f"| {label} | {len(runs)} | {col('det_ap')} | "
                     f"{vs('det_ap')} | {col('det_ap50')} | "
                     f"{col('det_low_ap')} | {vs('det_low_ap')} | "
                     f"{col('det_minutes')} | "
                     f"{f'{same}/{len(again)}' if again else '-'} |")
    return lines


def markers(protocol):
    """The comments around a protocol's table in the doc."""
    return (f'<!-- evidence {protocol} begin -->',
            f'<!-- evidence {protocol} end -->')


def render(doc, results, protocol, make_table=None):
    """Rewrite ``protocol``'s table (``make_table(results, protocol)``,
    default :func:`table`) between its markers (appended at the end if the
    doc has none); other protocols' tables stay as they are."""
    begin, end = markers(protocol)
    block = f'{begin}\n{(make_table or table)(results, protocol)}\n{end}'
    text = ''
    if osp.exists(doc):
        with open(doc) as f:
            text = f.read()
    old = text
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text + ('\n' if text else '') + block + '\n'
    runs = sum(r.get('protocol') == protocol for r in results)
    if text == old:
        print(
            f'{doc}: the {protocol} table already shows these {runs} '
            'run(s); nothing changed',
            flush=True)
        return
    with open(doc, 'w') as f:
        f.write(text)
    print(f'{doc}: rewrote the {protocol} table ({runs} run(s))', flush=True)
