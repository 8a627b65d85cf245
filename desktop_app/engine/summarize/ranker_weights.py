"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8527 candidate sentences, 248
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462886,  # centrality
    0.350701,  # cross_section
    0.104020,  # title_similarity
    0.242214,  # lead_prior
    0.091709,  # section_first
    0.081389,  # in_introduction
    0.034010,  # in_conclusion
    0.067785,  # cue_phrase
    3.084261,  # log_length
    0.012055,  # digits
    0.004059,  # symbols
    0.102967,  # citations
]
SCALE = [
    0.184326,  # centrality
    0.205328,  # cross_section
    0.178314,  # title_similarity
    0.186844,  # lead_prior
    0.288614,  # section_first
    0.273431,  # in_introduction
    0.181254,  # in_conclusion
    0.251376,  # cue_phrase
    0.482094,  # log_length
    0.024287,  # digits
    0.020526,  # symbols
    0.373509,  # citations
]
WEIGHTS = [
    0.068468,  # centrality
    0.090460,  # cross_section
    0.135581,  # title_similarity
    0.067598,  # lead_prior
    0.067356,  # section_first
    0.061340,  # in_introduction
    0.082207,  # in_conclusion
    0.085860,  # cue_phrase
    -0.049940,  # log_length
    -0.024809,  # digits
    -0.016900,  # symbols
    -0.009248,  # citations
]
BIAS = -0.229350
