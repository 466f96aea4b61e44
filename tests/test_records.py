import json

import numpy as np

from mmsal.records import json_line, rounded, write_json


def test_float32_noise_is_rounded_away_everywhere():
    noisy = float(np.float32(14.2))
    assert noisy != 14.2  # 14.200000762939453
    record = dict(knn=noisy, rows=[dict(ap=noisy)], pair=(noisy, 3), n=7)
    assert rounded(record) == dict(
        knn=14.2, rows=[dict(ap=14.2)], pair=[14.2, 3], n=7)
    assert json_line(record) == ('{"knn": 14.2, "rows": [{"ap": 14.2}], '
                                 '"pair": [14.2, 3], "n": 7}')


def test_significant_digits_not_decimals():
    assert rounded(0.000123456789) == 0.000123457
    assert rounded(123456789.0) == 123457000.0
    assert rounded(2.5, digits=1) == 2.0  # round half to even
    assert rounded(float('nan')) != rounded(float('nan'))  # kept as is
    assert rounded(True) is True and rounded('14.200000762939453') == (
        '14.200000762939453')


def test_write_json(tmp_path):
    path = tmp_path / 'r.json'
    write_json(str(path), dict(s=1 / 3))
    text = path.read_text()
    assert text.endswith('\n') and json.loads(text) == dict(s=0.333333)
