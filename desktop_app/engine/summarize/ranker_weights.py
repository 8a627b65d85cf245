"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8588 candidate sentences, 246
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462242,  # centrality
    0.293594,  # cross_section
    0.104081,  # title_similarity
    0.242197,  # lead_prior
    0.055659,  # section_first
    0.164532,  # in_introduction
    0.028295,  # in_conclusion
    0.068351,  # cue_phrase
    3.085816,  # log_length
    0.012185,  # digits
    0.004105,  # symbols
    0.102236,  # citations
]
SCALE = [
    0.184300,  # centrality
    0.226798,  # cross_section
    0.178443,  # title_similarity
    0.186815,  # lead_prior
    0.229262,  # section_first
    0.370758,  # in_introduction
    0.165815,  # in_conclusion
    0.252348,  # cue_phrase
    0.484781,  # log_length
    0.024404,  # digits
    0.020636,  # symbols
    0.372281,  # citations
]
WEIGHTS = [
    0.218123,  # centrality
    0.230398,  # cross_section
    0.340715,  # title_similarity
    0.227962,  # lead_prior
    0.166319,  # section_first
    0.013290,  # in_introduction
    0.175365,  # in_conclusion
    0.225676,  # cue_phrase
    -0.338990,  # log_length
    -0.077736,  # digits
    -0.060960,  # symbols
    -0.036821,  # citations
]
BIAS = -0.540603
