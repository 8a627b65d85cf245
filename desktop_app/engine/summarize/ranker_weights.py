"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8526 candidate sentences, 248
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462812,  # centrality
    0.350725,  # cross_section
    0.104030,  # title_similarity
    0.242215,  # lead_prior
    0.091954,  # section_first
    0.081398,  # in_introduction
    0.034014,  # in_conclusion
    0.067793,  # cue_phrase
    3.084314,  # log_length
    0.012042,  # digits
    0.004060,  # symbols
    0.102979,  # citations
]
SCALE = [
    0.184310,  # centrality
    0.205270,  # cross_section
    0.178320,  # title_similarity
    0.186844,  # lead_prior
    0.288961,  # section_first
    0.273445,  # in_introduction
    0.181264,  # in_conclusion
    0.251390,  # cue_phrase
    0.482098,  # log_length
    0.024259,  # digits
    0.020528,  # symbols
    0.373530,  # citations
]
WEIGHTS = [
    0.068259,  # centrality
    0.090951,  # cross_section
    0.135547,  # title_similarity
    0.067610,  # lead_prior
    0.067173,  # section_first
    0.061332,  # in_introduction
    0.082175,  # in_conclusion
    0.085802,  # cue_phrase
    -0.049942,  # log_length
    -0.024738,  # digits
    -0.016901,  # symbols
    -0.009243,  # citations
]
BIAS = -0.229397
