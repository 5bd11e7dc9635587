"""The population grid: age band x IMD quintile x frailty x COPD stage x heart-failure class.

Every module that indexes the grid takes its labels, sizes and axes from here; no bare 5 or 6.
"""

import math

import numpy as np

AGE_BANDS = ("0-17", "18-49", "50-64", "65-74", "75-84", "85+")
AGE_BAND_WIDTH_YEARS = (18.0, 32.0, 15.0, 10.0, 10.0, math.inf)
IMD_QUINTILES = ("Q1", "Q2", "Q3", "Q4", "Q5")
FRAILTY_LEVELS = ("fit", "mild", "moderate", "severe")
COPD_STAGES = ("none", "GOLD1", "GOLD2", "GOLD3", "GOLD4")
HF_CLASSES = ("none", "NYHA1", "NYHA2", "NYHA3", "NYHA4")

#: the grid's dimensions in axis order, with their labels
LABELS = {
    "age_band": AGE_BANDS,
    "imd_quintile": IMD_QUINTILES,
    "frailty": FRAILTY_LEVELS,
    "copd": COPD_STAGES,
    "heart_failure": HF_CLASSES,
}
AGE_AXIS, IMD_AXIS, FRAILTY_AXIS, COPD_AXIS, HF_AXIS = range(5)
N_AGE, N_IMD, N_FRAILTY, N_COPD, N_HF = (len(v) for v in LABELS.values())
SHAPE = (N_AGE, N_IMD, N_FRAILTY, N_COPD, N_HF)
#: stages of people who have the condition (GOLD 1-4, NYHA I-IV): the state less "none"
N_GOLD, N_NYHA = N_COPD - 1, N_HF - 1
#: the health-state dimensions, their sizes and the axes summed out to leave (age, imd, state)
STATE_SIZES = {"frailty": N_FRAILTY, "copd": N_COPD, "heart_failure": N_HF}
STATE_AXES = {
    "frailty": (COPD_AXIS, HF_AXIS),
    "copd": (FRAILTY_AXIS, HF_AXIS),
    "heart_failure": (FRAILTY_AXIS, COPD_AXIS),
}
STATE_LABELS = {"frailty": FRAILTY_LEVELS, "copd": COPD_STAGES, "heart_failure": HF_CLASSES}
#: the first severe level of each state: severe frailty, GOLD 3 and NYHA III
SEVERE_FROM = {"frailty": 3, "copd": 3, "heart_failure": 3}


def quintile_labels() -> list[str]:
    """``["Q1", ..., "Q5"]``, the suffixes of per-quintile metric names."""
    return list(IMD_QUINTILES)


def severe_state_mask() -> np.ndarray:
    """Boolean grid: severely frail, at GOLD 3-4 or at NYHA III-IV (each cell once)."""
    idx = np.indices(SHAPE)
    return (
        (idx[FRAILTY_AXIS] >= SEVERE_FROM["frailty"])
        | (idx[COPD_AXIS] >= SEVERE_FROM["copd"])
        | (idx[HF_AXIS] >= SEVERE_FROM["heart_failure"])
    )
