"""mmsal: saliency-guided contrastive pretraining on scene images, as an
OpenMMLab (mmengine + mmpretrain) plugin."""
import os.path as osp
from setuptools import find_packages, setup


def version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'mmsal', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmsal',
    version=version(),
    description='Saliency-guided contrastive pretraining on scene images '
    '(OpenMMLab plugin)',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmsal', 'mmsal.*']),
    python_requires='>=3.8',
    # Tested: torch 2.14.1, torchvision 0.29.1, mmengine 0.10.7,
    # mmpretrain 1.2.0, mmcv(-lite) 2.2.0. mmcv is not listed here so that an
    # installed full mmcv is never replaced: take the `lite` extra, or
    # install full mmcv yourself (README, "Install").
    install_requires=[
        'torch>=2.0,<2.15',
        # mmpretrain imports torchvision in its transforms without
        # declaring it
        'torchvision>=0.15,<0.30',
        'mmengine>=0.10.0,<0.11',
        'mmpretrain>=1.2.0,<1.3',
        'numpy',
        'pillow',
        'opencv-python',
    ],
    extras_require={
        'lite': ['mmcv-lite>=2.0.0,<2.3'],
        # detection / segmentation transfer (docs/transfer.md): the configs
        # and the demo detection benchmark (torchvision + pycocotools);
        # mmseg imports ftfy and regex without declaring them; training
        # mmdet / mmseg models also needs full mmcv < 2.2
        'transfer': [
            'mmdet>=3.3.0,<3.4', 'mmsegmentation>=1.2.2,<1.3', 'pycocotools',
            'ftfy', 'regex'
        ],
        # the lint tools (pinned: formatting and type checks differ
        # between versions) with mmpretrain's settings (setup.cfg), and
        # mypy on the public API, run by .ci/run
        'tests': [
            'pytest>=7', 'pytest-xdist>=3', 'flake8==7.5.0', 'isort==9.0.2',
            'yapf==0.43.0', 'mypy==2.4.1', 'mmdet>=3.3.0,<3.4',
            'mmsegmentation>=1.2.2,<1.3', 'pycocotools', 'ftfy', 'regex'
        ],
    },
    license='Apache-2.0',
)
