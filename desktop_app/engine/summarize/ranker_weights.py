"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8581 candidate sentences, 249
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462212,  # centrality
    0.293854,  # cross_section
    0.103992,  # title_similarity
    0.242199,  # lead_prior
    0.055704,  # section_first
    0.164666,  # in_introduction
    0.028318,  # in_conclusion
    0.068290,  # cue_phrase
    3.085898,  # log_length
    0.012191,  # digits
    0.004097,  # symbols
    0.102319,  # citations
]
SCALE = [
    0.184169,  # centrality
    0.226958,  # cross_section
    0.178249,  # title_similarity
    0.186818,  # lead_prior
    0.229350,  # section_first
    0.370879,  # in_introduction
    0.165881,  # in_conclusion
    0.252244,  # cue_phrase
    0.484633,  # log_length
    0.024411,  # digits
    0.020622,  # symbols
    0.372421,  # citations
]
WEIGHTS = [
    0.072000,  # centrality
    0.093865,  # cross_section
    0.139169,  # title_similarity
    0.070055,  # lead_prior
    0.073606,  # section_first
    0.027607,  # in_introduction
    0.070048,  # in_conclusion
    0.087251,  # cue_phrase
    -0.050891,  # log_length
    -0.025346,  # digits
    -0.017974,  # symbols
    -0.009879,  # citations
]
BIAS = -0.221921
