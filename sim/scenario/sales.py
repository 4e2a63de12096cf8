"""The sales section of a scenario: headcount and its plan, reps, negotiation, costs."""

from __future__ import annotations

import enum

from pydantic import Field

from sim.scenario.base import Frozen, NonNegative, Probability, Tactic

__all__ = ["HeadcountChange", "OutboundPolicy", "RepTime", "Routing", "SDRTeam", "Sales"]


class Routing(str, enum.Enum):
    """Which waiting leads reps work first."""

    OLDEST = "oldest"  # arrival order
    NEWEST = "newest"  # the freshest first (speed to lead)
    SCORE = "score"  # by marketing's lead score (fit x intent), highest first


class OutboundPolicy(str, enum.Enum):
    """How much of a rep's time goes to outbound prospecting."""

    SPARE = "spare"  # whatever time deals, accounts and leads leave over
    SHARE = "share"  # a fixed share of the week, whatever the pipeline


class RepTime(Frozen):
    """A rep's week: the hours it has and what each activity costs (``[sales.time]``)."""

    hours_per_week: float | None = Field(
        None, gt=0, le=168,
        description="Hours a ramped rep has each week for the work below (the rest of the week goes to admin, "
        "internal meetings, travel); none: no time budget, only capacity and the daily limits bind.",
    )
    lead_hours: NonNegative = Field(0.5, le=40, description="Hours to contact and qualify one lead.")
    call_hours: float = Field(
        0.25, gt=0, le=40, description="Hours of one outbound prospecting call (research, dial, log)."
    )
    discovery_hours_per_week: NonNegative = Field(
        2.0, le=168, description="Hours a week each open opportunity in discovery takes (meetings, demos, proposals)."
    )
    negotiation_hours_per_week: NonNegative = Field(
        3.0, le=168, description="Hours a week each deal in negotiation takes."
    )
    account_hours_per_month: NonNegative = Field(
        0.0, le=744,
        description="Hours a month a rep spends on each customer it won while both stay (account work; "
        "such customers get full account care at renewal).",
    )
    outbound: OutboundPolicy = Field(
        OutboundPolicy.SPARE, description="spare (time left after deals, accounts and leads) or share."
    )
    outbound_share: Probability = Field(
        0.3, description="Share of a rep's hours kept for outbound prospecting (outbound = share)."
    )


class SDRTeam(Frozen):
    """Sales development reps (``[sales.sdr]``): they work the lead queue and book the leads
    that qualify as opportunities for the reps (account executives), whose lead time then
    goes to outbound prospecting."""

    headcount: int = Field(
        0, ge=0, le=100_000,
        description="SDRs for the whole run (0: none, the reps work their own leads).",
    )
    hours_per_week: float = Field(30.0, gt=0, le=168, description="Hours an SDR spends working leads each week.")
    lead_hours: float = Field(0.5, gt=0, le=40, description="Hours an SDR takes to contact and qualify one lead.")
    annual_salary_usd: NonNegative = Field(
        65_000, description="Base salary per SDR per year (loaded and managed like a rep's: ledger line sales_sdrs)."
    )


class HeadcountChange(Frozen):
    month: int = Field(ge=0, description="Month of the change.")
    headcount: int = Field(ge=0, le=100_000, description="Reps from that month on.")


class Sales(Frozen):
    headcount: int = Field(ge=0, le=100_000, description="Reps at step 0 (fully ramped).")
    plan: list[HeadcountChange] = Field(
        default_factory=list, description="Headcount changes: hires ramp up; departures lose their open deals."
    )
    ramp_days: int = Field(150, ge=0, le=3650, description="Days for a new rep to reach full productivity.")
    capacity: int = Field(20, ge=1, le=10_000, description="Open opportunities and negotiations a rep can carry.")
    leads_per_day: float = Field(8, ge=0, description="Leads a fully ramped rep can work per day.")
    outbound_calls_per_day: float = Field(
        10, ge=0, description="Outbound prospecting calls per ramped rep per day, when capacity is free."
    )
    skill_mean: Probability = Field(0.5, description="Mean rep skill (0-1).")
    skill_sd: NonNegative = Field(0.15, le=1, description="Spread of rep skill across reps.")
    brand_outbound_lift: NonNegative = Field(
        1.0, le=100, description="Raise of the outbound response rate for a prospect with full brand memory."
    )
    value_selling: NonNegative = Field(
        0.2, le=10, description="Raise of the buyer's reservation price by a rep of skill 1."
    )
    annual_salary_usd: NonNegative = Field(90_000, description="Base salary per rep per year.")
    commission_rate: Probability = Field(0.1, description="Commission paid on the value of each deal won by a rep.")
    loaded_cost_multiplier: float = Field(
        1.0, ge=1.0, le=10.0,
        description="Fully loaded cost of a salary (benefits, tools, travel) as a multiple of base salary; "
        "applies to reps and managers; the part above 1 is the ledger line sales_overhead (1.3-1.5 is typical).",
    )
    reps_per_manager: int = Field(
        0, ge=0, le=10_000,
        description="Reps per first-line sales manager: ceil(reps / this) managers are paid each day "
        "(ledger line sales_managers); 0 = no managers (6-10 is typical).",
    )
    manager_annual_salary_usd: NonNegative = Field(
        150_000, description="Base salary per sales manager per year (used when reps_per_manager > 0)."
    )
    annual_quota_usd: NonNegative = Field(600_000, description="Quota per ramped rep per year (deal value).")
    tactic: Tactic = Field(Tactic.LINEAR, description="Concession tactic: boulware, linear or conceder.")
    max_discount: Probability = Field(0.3, description="Deepest discount off list price a rep may give (the floor).")
    buyer_opening: Probability = Field(
        0.6, description="Buyer's first offer as a share of its reservation price."
    )
    lead_stale_days: int = Field(21, ge=1, le=3650, description="Days after which an unworked lead is lost (stale).")
    lead_half_life_days: float | None = Field(
        None, gt=0, le=3650,
        description="Speed to lead: days after which a waiting lead's chance to qualify has halved "
        "(Oldroyd, HBR 2011: a day's wait costs most of it); none: waiting does not matter.",
    )
    routing: Routing = Field(Routing.OLDEST, description="Which waiting leads reps work first: oldest, newest or score.")
    mql_threshold: Probability = Field(
        0.0,
        description="Lead score (fit x intent, 0-1) below which marketing keeps a lead to nurture instead of "
        "passing it to sales (the service-level agreement between the two functions); 0: every lead is passed.",
    )
    time: RepTime = Field(default_factory=RepTime, description="The rep time budget.")
    sdr: SDRTeam = Field(default_factory=SDRTeam, description="Sales development reps who work the leads.")
