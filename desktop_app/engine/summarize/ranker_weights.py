"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8520 candidate sentences, 248
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.457697,  # centrality
    0.351857,  # cross_section
    0.104005,  # title_similarity
    0.242689,  # lead_prior
    0.090023,  # section_first
    0.081338,  # in_introduction
    0.034038,  # in_conclusion
    0.067723,  # cue_phrase
    3.084763,  # log_length
    0.012017,  # digits
    0.004063,  # symbols
    0.103052,  # citations
]
SCALE = [
    0.182563,  # centrality
    0.204053,  # cross_section
    0.178270,  # title_similarity
    0.187341,  # lead_prior
    0.286215,  # section_first
    0.273354,  # in_introduction
    0.181326,  # in_conclusion
    0.251270,  # cue_phrase
    0.481873,  # log_length
    0.024209,  # digits
    0.020535,  # symbols
    0.373651,  # citations
]
WEIGHTS = [
    0.067627,  # centrality
    0.093374,  # cross_section
    0.135002,  # title_similarity
    0.067230,  # lead_prior
    0.070949,  # section_first
    0.061467,  # in_introduction
    0.081787,  # in_conclusion
    0.085543,  # cue_phrase
    -0.050294,  # log_length
    -0.024398,  # digits
    -0.016892,  # symbols
    -0.009190,  # citations
]
BIAS = -0.231938
