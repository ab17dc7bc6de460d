"""Bibliographic data of the four papers (keys as used in claim ids)."""

from __future__ import annotations

PAPER_ORDER = ["k19", "hm17", "k22", "j19"]

PAPERS: dict[str, dict[str, str]] = {
    "k19": {
        "title": "Every Local Minimum Value Is the Global Minimum Value of Induced Model "
        "in Nonconvex Machine Learning",
        "authors": "Kenji Kawaguchi, Jiaoyang Huang, Leslie Pack Kaelbling",
        "venue": "Neural Computation 31(12), 2019",
        "seed": "001_2f58c854b5902a53.txt",
        "catalogue": "kawaguchi2019_pgb.md",
    },
    "hm17": {
        "title": "Identity Matters in Deep Learning",
        "authors": "Moritz Hardt, Tengyu Ma",
        "venue": "ICLR 2017 (arXiv:1611.04231)",
        "seed": "003_53f64978cbbbfb61.txt",
        "catalogue": "hardt_ma2017_identity.md",
    },
    "k22": {
        "title": "Understanding Dynamics of Nonlinear Representation Learning and Its Application",
        "authors": "Kenji Kawaguchi, Linjun Zhang, Zhun Deng",
        "venue": "Neural Computation 34(4), 2022",
        "seed": "000_9bafb10e4d590224.txt",
        "catalogue": "kawaguchi2022_representation_dynamics.md",
    },
    "j19": {
        "title": "Why Learning of Large-Scale Neural Networks Behaves Like Convex Optimization",
        "authors": "Hui Jiang",
        "venue": "arXiv:1903.02140, 2019",
        "seed": "002_d513da0bff3b4549.txt",
        "catalogue": "jiang2019_disparity.md",
    },
}
