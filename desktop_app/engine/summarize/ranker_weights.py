"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8529 candidate sentences, 248
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462898,  # centrality
    0.351296,  # cross_section
    0.103991,  # title_similarity
    0.242214,  # lead_prior
    0.091922,  # section_first
    0.081369,  # in_introduction
    0.034002,  # in_conclusion
    0.067886,  # cue_phrase
    3.084234,  # log_length
    0.012052,  # digits
    0.004058,  # symbols
    0.102943,  # citations
]
SCALE = [
    0.184317,  # centrality
    0.205775,  # cross_section
    0.178287,  # title_similarity
    0.186843,  # lead_prior
    0.288915,  # section_first
    0.273402,  # in_introduction
    0.181233,  # in_conclusion
    0.251550,  # cue_phrase
    0.482042,  # log_length
    0.024285,  # digits
    0.020524,  # symbols
    0.373469,  # citations
]
WEIGHTS = [
    0.068560,  # centrality
    0.090269,  # cross_section
    0.135662,  # title_similarity
    0.067584,  # lead_prior
    0.067220,  # section_first
    0.061359,  # in_introduction
    0.082275,  # in_conclusion
    0.085790,  # cue_phrase
    -0.049934,  # log_length
    -0.024792,  # digits
    -0.016889,  # symbols
    -0.009236,  # citations
]
BIAS = -0.229210
