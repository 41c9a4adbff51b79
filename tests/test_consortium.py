"""Consortium agents: structure, prepayment, claims of their own residents, settlement, stakes."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.agents import Consortium
from countysim.config.schema import LEVELS
from countysim.money.exact import apportion
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE


def test_each_county_hospital_leads_a_block_of_townships_and_their_villages(tiny):
    model = tiny("county.residents=20000", "county.county_hospital_shares=[0.7,0.3]")
    county = model.county
    fac = county.facilities
    assert fac.consortium[fac.level == OUT].tolist() == [-1]
    assert np.all(fac.consortium[fac.level != OUT] >= 0)
    sizes = [c.townships.size for c in model.consortia]
    assert sizes == apportion(county.n_townships, [0.7, 0.3]).tolist()
    for c in model.consortia:
        assert fac.level[c.lead] == COUNTY and fac.consortium[c.lead] == c.index
        # village clinics belong with their township
        town_of_village = county.village_township[c.villages]
        assert set(town_of_village.tolist()) <= set(c.townships.tolist())
    assert set(model.agents_by_type[Consortium]) == set(model.consortia)


def test_one_consortium_holds_every_in_county_facility(tiny):
    model = tiny("county.consortia=one")
    assert len(model.consortia) == 1
    fac = model.county.facilities
    assert np.all(fac.consortium[fac.level != OUT] == 0)


def test_budget_is_prepaid_by_enrolled_residents(tiny):
    model = tiny("payment=bundled", "sim.years=1")
    model.step()
    led = model.ledger
    got = [led.total(0, kind="prepayment", destination=c.account) for c in model.consortia]
    assert sum(got) == led.total(0, kind="prepayment")
    assert got == apportion(sum(got), [c.enrolled() for c in model.consortia]).tolist()
    res = model.residents
    home = model.county.facilities.consortium[res.village[res.enrolled]]
    assert [c.enrolled() for c in model.consortia] == np.bincount(home).tolist()


@pytest.mark.parametrize("prepay", ["0.95", "0.6"])
def test_each_consortium_pays_its_own_residents_claims_and_settles_among_its_members(tiny, prepay):
    model = tiny("payment=bundled", f"payment.prepay_share={prepay}", "sim.years=1", "seed=2")
    model.run()
    led, pol = model.ledger, model.payment
    fac = model.county.facilities
    money = model.metrics.fac_money["surplus_fen"][0]
    total_claims = 0
    for c in model.consortia:
        claims = [led.total(0, kind="claims", source=c.account, destination=lv) for lv in LEVELS]
        assert claims == c.claims_fen().tolist()
        total_claims += sum(claims)
        balance = c.prepaid_fen() - sum(claims)
        members = fac.consortium == c.index
        if balance >= 0:
            assert int(money[members].sum()) == balance
        else:
            own = apportion(
                -balance, [pol.overspend_insurer_share, 1 - pol.overspend_insurer_share]
            )
            assert int(money[members].sum()) == -int(own[1])
        assert led.balance(c.account, 0) == 0
    assert total_claims == int(model.year_claims_fen.sum())
    assert money[fac.level == OUT].sum() == 0


def test_claims_follow_the_residents_home_consortium_not_the_facility(tiny):
    """A resident of consortium 0 treated out of the county is consortium 0's claim."""
    model = tiny("payment=bundled", "sim.years=1")
    model.run()
    out = LEVELS.index("out_of_county")
    assert all(c.claims_fen()[out] > 0 for c in model.consortia)


def test_member_weights_split_a_yuan_by_level_then_within_level(tiny):
    model = tiny("payment=bundled", "sim.years=1")
    for _ in range(40):
        model.step()
    fac = model.county.facilities
    for c in model.consortia:
        w = c.member_weights([0.6, 0.3, 0.1])
        assert w.sum() == pytest.approx(1.0)
        assert np.all(w[fac.consortium != c.index] == 0)
        for lv, share in ((COUNTY, 0.6), (TOWNSHIP, 0.3), (VILLAGE, 0.1)):
            assert w[(fac.consortium == c.index) & (fac.level == lv)].sum() == pytest.approx(share)


def test_smaller_consortia_dilute_a_members_stake_less(tiny):
    """With a consortium per hospital each lead bears its own balance, not a revenue share."""
    stakes = {}
    for mode in ("one", "per_hospital"):
        model = tiny("payment=bundled", f"county.consortia={mode}", "sim.years=1")
        for _ in range(40):
            model.step()
        stakes[mode] = model.payment.stake(model)[model.county.county_facilities]
    assert np.all(stakes["per_hospital"] > stakes["one"])


def test_consortia_choose_the_townships_that_referred_most(tiny):
    model = tiny(
        "county.residents=40000",
        "secondment=rotation",
        "secondment.targets=by_consortium",
        "secondment.specialists_per_township=1",
    )
    for _ in range(365):
        model.step()
    c = model.consortia[0]
    ids = c.townships + model.county.n_villages
    _, served = c.enrolled_served()
    refs = np.zeros(ids.size)
    refs[-1] = 10 * served[-1]  # the last township referred by far the most per resident
    model.metrics.fac_referrals_up[0, ids] = refs
    assert c.choose_townships(1).tolist() == [int(c.townships[-1])]
    assert c.choose_townships(0).size == 0
    # the rotation asks every consortium for its share of n_sub_centres
    rot = next(p for p in model.policies if hasattr(p, "n_sub_centres"))
    chosen = rot._chosen(model)
    sizes = [x.townships.size for x in model.consortia]
    k = apportion(min(rot.n_sub_centres, sum(sizes)), sizes)
    assert chosen.size == k.sum()
    for x, n in zip(model.consortia, k, strict=True):
        assert np.isin(chosen, x.townships).sum() == n
