"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.

Learned on the 45 tuning papers of the ScisummNet dev set (8588 candidate sentences, 246
oracle-picked). Do not edit by hand: run the script again.
"""

MEAN = [
    0.462242,  # centrality
    0.239521,  # section_centrality
    0.293594,  # cross_section
    0.104081,  # title_similarity
    0.500000,  # document_position
    0.242197,  # lead_prior
    0.102236,  # document_first
    0.102236,  # document_last
    0.499651,  # section_position
    0.056008,  # section_first
    0.000466,  # in_abstract
    0.164532,  # in_introduction
    0.028295,  # in_conclusion
    0.034234,  # in_related_work
    0.146367,  # in_results
    0.081858,  # no_sections
    0.068351,  # cue_phrase
    0.185491,  # first_person
    3.085816,  # log_length
    0.024686,  # short
    0.058337,  # long
    0.102236,  # citations
    0.012185,  # digits
    0.004105,  # symbols
]
SCALE = [
    0.184300,  # centrality
    0.204243,  # section_centrality
    0.226798,  # cross_section
    0.178443,  # title_similarity
    0.290193,  # document_position
    0.186815,  # lead_prior
    0.302958,  # document_first
    0.302958,  # document_last
    0.297669,  # section_position
    0.229938,  # section_first
    0.021577,  # in_abstract
    0.370758,  # in_introduction
    0.165815,  # in_conclusion
    0.181829,  # in_related_work
    0.353474,  # in_results
    0.274149,  # no_sections
    0.252348,  # cue_phrase
    0.388696,  # first_person
    0.484781,  # log_length
    0.155165,  # short
    0.234380,  # long
    0.372281,  # citations
    0.024404,  # digits
    0.020636,  # symbols
]
WEIGHTS = [
    0.790025,  # centrality
    0.289663,  # section_centrality
    0.051824,  # cross_section
    0.693495,  # title_similarity
    -0.219561,  # document_position
    0.423943,  # lead_prior
    0.050530,  # document_first
    0.372861,  # document_last
    0.374337,  # section_position
    0.196982,  # section_first
    0.166381,  # in_abstract
    0.138954,  # in_introduction
    0.118920,  # in_conclusion
    -0.024481,  # in_related_work
    0.098320,  # in_results
    -0.024546,  # no_sections
    0.291459,  # cue_phrase
    0.269265,  # first_person
    -0.757848,  # log_length
    -0.115702,  # short
    -0.022854,  # long
    0.098431,  # citations
    -0.149486,  # digits
    0.055408,  # symbols
]
BIAS = -0.900560
