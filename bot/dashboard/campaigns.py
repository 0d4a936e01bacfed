"""Survey campaigns (admins only): create one (a survey flow, an invitation template, a colonia or past category),
see how many residents it reaches before sending, send it paced, and follow its figures. During an electoral
blackout creating and sending are refused with the reason (and audited), unless the flow is exempt."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from bot.campaigns.audience import known_categories, known_colonias
from bot.campaigns.blackout import BlackoutError, city_day
from bot.campaigns.campaigns import CampaignError, create_campaign, start_sending
from bot.campaigns.figures import figures
from bot.dashboard.access import admin_required, me
from bot.dashboard.blueprint import bp
from bot.dashboard.i18n import current_language, translated
from bot.db.database import transaction
from bot.db.tables import Campaign, CampaignEvent, utcnow
from bot.services import services

EVENTS_SHOWN = 20


@bp.get("/campaigns")
@admin_required
def campaigns():
    """Every campaign with its figures, the form for a new one, and the blackout in force, if any."""
    return campaigns_page()


@bp.post("/campaigns")
@admin_required
def add_campaign():
    """Create a draft campaign; its page shows the audience before anything is sent."""
    form = request.form
    try:
        campaign = create_campaign(
            services(),
            name=form.get("name", ""),
            flow=form.get("flow", ""),
            template=form.get("template", ""),
            colonia=form.get("colonia"),
            category=form.get("category"),
            actor=me().email,
        )
    except (CampaignError, BlackoutError) as error:
        return campaigns_page(error=translated(error), status=409 if isinstance(error, BlackoutError) else 400)
    flash(_("Campaign created. Check its audience, then send it."), "info")
    return redirect(url_for("dashboard.campaign", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>")
@admin_required
def campaign(campaign_id: int):
    """A campaign: its filters, audience, figures (sends, delivered, failed, answers, response rate) and audit trail."""
    return campaign_page(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/send")
@admin_required
def send_campaign(campaign_id: int):
    """Queue the invitations of everyone in the audience not yet invited, paced by CAMPAIGN_SENDS_PER_MINUTE."""
    try:
        count = start_sending(services(), campaign_id, actor=me().email)
    except BlackoutError as error:
        return campaign_page(campaign_id, error=translated(error), status=409)
    except CampaignError as error:
        return campaign_page(campaign_id, error=translated(error), status=400)
    flash(_("%(count)s invitations queued.", count=count), "info")
    return redirect(url_for("dashboard.campaign", campaign_id=campaign_id))


def campaigns_page(error: str | None = None, status: int = 200):
    svc = services()
    flows, lang = svc.flows, current_language()
    with transaction(svc.engine) as db:
        rows = [(c, figures(db, c)) for c in db.exec(select(Campaign).order_by(col(Campaign.id).desc())).all()]
        colonias, categories = known_colonias(db), known_categories(db, flows)
    surveys = [
        (f.id, f.title.get(lang, flows.default_language), f.exempt)
        for f in flows.flows.values()
        if f.outcome.kind == "survey"
    ]
    return (
        render_template(
            "dashboard/campaigns.html",
            title=_("Campaigns"),
            rows=rows,
            surveys=surveys,
            templates=flows.campaign_templates(),
            colonias=colonias,
            categories=categories,
            election=flows.election_on(city_day(utcnow(), svc.config.city_zone())),
            error=error,
            form=request.form if request.method == "POST" else {},
        ),
        status,
    )


def campaign_page(campaign_id: int, error: str | None = None, status: int = 200):
    svc = services()
    flows, lang = svc.flows, current_language()
    with transaction(svc.engine) as db:
        found = db.get(Campaign, campaign_id)
        if found is None:
            abort(404)
        counted = figures(db, found)
        events = db.exec(
            select(CampaignEvent)
            .where(CampaignEvent.campaign_id == campaign_id)
            .order_by(col(CampaignEvent.id).desc())
            .limit(EVENTS_SHOWN)
        ).all()
    flow = flows.flows.get(found.flow)
    return (
        render_template(
            "dashboard/campaign.html",
            title=found.name,
            campaign=found,
            survey=flow.title.get(lang, flows.default_language) if flow else found.flow,
            exempt=flow.exempt if flow else None,
            figures=counted,
            events=events,
            per_minute=svc.config.campaign_sends_per_minute,
            election=flows.election_on(city_day(utcnow(), svc.config.city_zone())),
            error=error,
        ),
        status,
    )
