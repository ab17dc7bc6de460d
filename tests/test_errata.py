"""Errata and notes: every entry is labelled, every paper error's instance replays to the
failure it describes, and the numbers an entry or a control description states agree with what
the oracles compute."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from checks.cli import main
from checks.framework import ERRATUM_KINDS, Erratum, Status
from checks.ledger import claim_metadata
from checks.registry import all_claims, get
from checks.serialise import to_jsonable
from theory.models import linear_residual as lr

CLAIMS = all_claims()
ENTRIES = [(c.id, e) for c in CLAIMS for e in c.errata]


def _paper_errors(claim_id: str) -> list[Erratum]:
    return [e for e in get(claim_id).errata if e.kind == "paper error"]


def _replay(claim_id: str, erratum: Erratum, drop: str):
    """Parse the erratum's instance as a user's JSON file would be parsed, and check it."""
    claim = get(claim_id)
    instance = claim.parse(json.loads(json.dumps(to_jsonable(erratum.instance))))
    return claim, instance, claim.check(instance, drop=drop)


# ------------------------------------------------------------------------- every entry


@pytest.mark.parametrize(("claim_id", "erratum"), ENTRIES,
                         ids=[f"{cid}-{i}" for i, (cid, _) in enumerate(ENTRIES)])
def test_every_entry_is_labelled_and_speaks_of_the_papers_alone(claim_id, erratum):
    assert isinstance(erratum, Erratum) and erratum.kind in ERRATUM_KINDS
    assert erratum.text.strip()
    for word in ("seed", "catalogue", "catalog"):
        assert word not in erratum.text.lower(), (claim_id, word)


def test_an_unlabelled_erratum_is_refused_when_the_claim_is_declared():
    claim = get("hm17.rem1.1")
    fields = {f: getattr(claim, f) for f in claim.__dataclass_fields__}
    with pytest.raises(ValueError, match="errata must be Erratum"):
        type(claim)(**{**fields, "errata": ["an unlabelled string"]})
    with pytest.raises(ValueError, match="erratum kind must be one of"):
        Erratum("typo", "a kind that does not exist")


def test_the_ledger_records_kind_text_and_a_json_instance():
    for claim in CLAIMS:
        recorded = claim_metadata(claim)["errata"]
        assert [(e["kind"], e["text"]) for e in recorded] == [(e.kind, e.text)
                                                              for e in claim.errata]
        json.dumps(recorded)  # the instances are plain JSON


def test_checks_show_prints_each_erratum_with_its_kind(capsys):
    assert main(["show", "j19.thm2"]) == 0
    out = capsys.readouterr().out.splitlines()
    for e in get("j19.thm2").errata:
        assert f"erratum ({e.kind}): {e.text}" in out


def test_the_projects_own_bound_is_corrected_in_a_note_not_an_erratum():
    """k19.ours1 is a bound of ours: correcting it is a method note, never a paper error."""
    entries = get("k19.ours1").errata
    assert entries and all(e.kind == "method note" for e in entries)
    assert any("unit weights" in e.text for e in entries)


def test_lost_square_roots_are_transcriptions():
    for claim_id in ("k22.thm3", "k22.eq2.11", "k22.eq2.12"):
        lost = [e for e in get(claim_id).errata if "square root" in e.text]
        assert lost and all(e.kind == "transcription" for e in lost), claim_id


def test_every_instance_belongs_to_a_paper_error():
    assert all(e.kind == "paper error" for _, e in ENTRIES if e.instance is not None)


# ------------------------------------------------------------------------- j19.thm2


def test_j19_theorem_2_counterexample_replays_from_its_erratum():
    """Full rank at every iterate, Armijo steps, M >= L: the paper's hypotheses hold; only our
    rate hypothesis fails, and the loss stays near 1 > 0 = min."""
    (erratum,) = _paper_errors("j19.thm2")
    claim, instance, verdict = _replay("j19.thm2", erratum, drop="rate")
    assert verdict.status is Status.VIOLATED
    assert set(claim.failed_hypotheses(instance)) == {"rate"}
    assert verdict.diagnostics["F_final"] > 1.0
    for words in ("sigmoid", "$x=0.5$", "$y=2$", "(0,0,0)", r"$\eta=0.5$", "toy model",
                  "feed-forward class", "output bias"):
        assert words in erratum.text, words


def test_j19_theorem_2_counterexample_sigma_L_falls_like_one_over_n():
    """The control says sigma_L falls like 1/n (so sigma_L^2 is summable, sigma_L is not):
    doubling the number of steps halves the smallest sigma_L."""
    (erratum,) = _paper_errors("j19.thm2")
    claim = get("j19.thm2")
    smallest = []
    for steps in (1000, 2000):
        params = json.loads(json.dumps(to_jsonable({**erratum.instance, "steps": steps})))
        verdict = claim.check(claim.parse(params), drop="rate")
        smallest.append(verdict.diagnostics["min_sigma_L"])
    assert smallest[0] / smallest[1] == pytest.approx(2.0, rel=0.01)
    description = claim.control("counterexample").description
    assert "falls like $1/n$" in description and "summably" not in description
    assert r"$\sigma_L^2$ that is summable, not $\sigma_L$" in description


# ------------------------------------------------------------------------- k22.thm2


def test_k22_theorem_2_wu2_instance_replays_from_its_erratum():
    """DAA at every iterate (the printed hypothesis) holds, DAA at the limit fails, and the
    limit is not optimal."""
    (erratum,) = _paper_errors("k22.thm2")
    claim, instance, verdict = _replay("k22.thm2", erratum, drop="daa-at-limit")
    assert verdict.status is Status.VIOLATED
    assert set(claim.failed_hypotheses(instance)) == {"daa-at-limit"}
    for words in ("global-Lipschitz", "trainable hidden layer", "linear in their parameters",
                  "local reading", "$f=wu^2$"):
        assert words in erratum.text, words
    assert "vacuous" not in erratum.text


# ------------------------------------------------------------------------- hm17


def test_hm17_lemma_B1_printed_construction_fails_strictly_inside_its_hypotheses():
    """The erratum's instance meets the printed hypotheses with room to spare (norms strictly
    inside [1 - rho', 1 + rho'], squared separation strictly above 3 rho'), so the failure is
    not a boundary case; the lemma's statement still holds there (per-coordinate bias)."""
    (erratum,) = _paper_errors("hm17.lemB.1")
    claim, instance, verdict = _replay("hm17.lemB.1", erratum, drop="uniform-bias-needs-6rho")
    assert verdict.status is Status.VIOLATED
    alpha, rho = instance["alpha"], instance["rho_prime"]
    norms = np.sum(alpha**2, axis=1)
    assert np.all(np.abs(norms - 1) < rho)
    assert np.sum((alpha[0] - alpha[1]) ** 2) > 3 * rho
    assert claim.failed_hypotheses(instance) == {
        "uniform-bias-needs-6rho": claim.failed_hypotheses(instance)["uniform-bias-needs-6rho"]}
    fixed = claim.check({**instance, "method": "fixed"})
    assert fixed.status is Status.HOLDS
    assert "statement holds" in erratum.text and "generic" in erratum.text


def test_hm17_theorem_2_1_note_quantifies_footnote_6_and_removes_it():
    (note,) = [e for e in get("hm17.thm2.1").errata if "Footnote 6" in e.text]
    assert note.kind != "paper error"
    assert f"{12 * math.sqrt(2) / (4 * math.pi):.3f}" in note.text  # the printed recipe's sup
    assert f"{6 * math.sqrt(2) / (4 * math.pi):.3f}" in note.text  # the merged construction's
    assert "merged" in note.text
    for word in ("earlier", "sample"):
        assert word not in note.text


def test_hm17_theorem_2_2_tau_one_control_reports_the_excess_its_description_states():
    """The description's f - C_opt = ||R Sigma^{1/2}||_F^2 (eq. (2.4) with a zero product),
    computed on the control's instance, is the excess risk the verdict reports."""
    claim = get("hm17.thm2.2")
    control = claim.control("tau = 1")
    assert r"\|R\Sigma^{1/2}\|_F^2" in control.description
    for instance in control.fixed_instances():
        verdict = claim.check(instance, drop=control.drops)
        R, Sigma = instance["R"], instance["Sigma"]
        eigenvalues, vectors = np.linalg.eigh(Sigma)
        root = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
        described = float(np.linalg.norm(R @ root, "fro") ** 2)
        assert verdict.status is Status.VIOLATED
        assert verdict.diagnostics["excess_risk"] == pytest.approx(described, rel=1e-12)


def test_hm17_theorem_3_2_width_note_says_the_constant_is_fitted_with_redraws():
    (note,) = [e for e in get("hm17.thm3.2").errata if "width hypothesis" in e.text]
    assert note.kind == "method note"
    assert "not proven" in note.text and "fitted in our draws, with redraws" in note.text
    default = get("hm17.thm3.2").parse({"X": [[1.0, 0.0]], "labels": [0], "r": 1, "rho": 0.5})
    assert f"max_draws ({default['max_draws']})" in note.text


# ------------------------------------------------------------------------- j19 §3.3, k22


def test_j19_dead_unit_rank_is_an_upper_bound_reached_when_every_hyperplane_cuts_the_cube():
    """All-active control of §3.3.3: 5 live units, certified rank 2, below min(L, 2 h + 1)."""
    (note,) = [e for e in get("j19.s3.3.1").errata if "is at most" in e.text]
    assert "at most" in note.text and "cuts the cube" in note.text
    claim = get("j19.s3.3.3")
    control = claim.control("all-active")
    (instance,) = control.fixed_instances()
    verdict = claim.check(instance, drop=control.drops)
    L, h = (2 * instance["n"] + 1) ** instance["K"], instance["h"]
    assert verdict.diagnostics["rank_certain"]
    assert verdict.diagnostics["rank"] < min(L, (instance["K"] + 1) * h + 1)


def test_k22_notes_name_the_rank_methods_and_derive_the_parameter_count():
    (methods,) = [e for e in get("k22.asm4").errata if "rank methods" in e.text]
    assert "Press" in methods.text and "Golub" in methods.text and "threshold" in methods.text

    def count(widths: list[int]) -> int:  # weights and biases of a dense net
        return sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))

    (reading,) = [e for e in get("k22.def2").errata if "271" in e.text]
    assert reading.kind == "interpretation"
    assert f"{count([1, 300, 300, 300, 300, 1]):,}".replace(",", "{,}") in reading.text
    assert f"{count([1, 300, 300, 300, 1]):,}".replace(",", "{,}") in reading.text


def test_hm17_theorem_2_2_diagnostics_speak_of_the_stored_sigma():
    """The oracle decides on Sigma rescaled by a power of two; what it reports, f - C_opt and
    ||grad f||^2, is for the instance as given (here Sigma's largest entry is 3, rescaled by 4)."""
    claim = get("hm17.thm2.2")
    R = np.array([[1.0, 0.3], [0.2, 2.0]])
    Sigma = np.diag([3.0, 1.0])
    A = [-0.1 * np.eye(2) for _ in range(3)]
    verdict = claim.check({"R": R, "Sigma": Sigma, "A": A, "tau": 0.5})
    assert verdict.diagnostics["form"] == "quantitative"
    assert verdict.diagnostics["excess_risk"] == pytest.approx(lr.excess_risk(A, R, Sigma),
                                                               rel=1e-12)
    gradient = lr.risk_gradient(A, R, Sigma)
    assert verdict.diagnostics["gradient_norm_sq"] == pytest.approx(
        sum(float(np.sum(G * G)) for G in gradient), rel=1e-12)


def test_j19_rank_rule_note_is_the_derivation_its_verdicts_record():
    """The rank rule is one text: a note of every rank claim and the recorded derivation of a
    certified deficiency (plain text, not an entry's representation)."""
    claim = get("j19.s3.3.3")
    control = claim.control("relu-euler")
    verdict = claim.check(control.fixed_instances()[0], drop=control.drops)
    (rule,) = [e for e in claim.errata if e.text.startswith("'Full rank' means")]
    assert verdict.status is Status.VIOLATED
    assert verdict.tolerance_derivation == rule.text
    # the structural reason certifies it
    assert verdict.certificate.startswith(r"$\operatorname{rank}H\le")
