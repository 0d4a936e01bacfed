"""`ventanilla campaigns ...`: survey campaigns from a terminal, as admins run them from the dashboard."""

from __future__ import annotations

import click

__all__ = ["campaigns"]


@click.group()
def campaigns() -> None:
    """Survey campaigns: invite residents who opted in to surveys (refused in an electoral blackout)."""


@campaigns.command("list")
def campaigns_list() -> None:
    """Every campaign, newest first, with its figures."""
    from sqlmodel import Session, col, select

    from bot.campaigns.figures import figures
    from bot.db.tables import Campaign

    with _services() as svc, Session(svc.engine) as session:
        for campaign in session.exec(select(Campaign).order_by(col(Campaign.id).desc())):
            counted = figures(session, campaign)
            click.echo(
                f"{campaign.id}\t{campaign.status}\t{campaign.flow}\t{campaign.name}\t"
                f"{counted.sent} sent, {counted.finished} finished ({counted.response_rate:.0%})"
            )


@campaigns.command("audience")
@click.option("--colonia", default=None, help="Only residents with a report in this colonia.")
@click.option("--category", default=None, help="Only residents with a report of this category.")
def campaigns_audience(colonia: str | None, category: str | None) -> None:
    """How many residents a campaign with these filters would invite now."""
    from sqlmodel import Session

    from bot.campaigns.audience import audience_count

    with _services() as svc, Session(svc.engine) as session:
        click.echo(f"{audience_count(session, colonia, category)} residents")


@campaigns.command("create")
@click.argument("name")
@click.option("--flow", required=True, help="The survey flow the invitation opens.")
@click.option("--template", default="survey_invitation", show_default=True, help="A template with campaign: true.")
@click.option("--colonia", default=None, help="Only residents with a report in this colonia.")
@click.option("--category", default=None, help="Only residents with a report of this category.")
@click.option("--actor", default="cli", show_default=True, help="Who creates it, for the audit trail.")
def campaigns_create(
    name: str, flow: str, template: str, colonia: str | None, category: str | None, actor: str
) -> None:
    """Create a draft campaign and say its audience; nothing is sent until `campaigns send`."""
    from sqlmodel import Session

    from bot.campaigns.audience import audience_count
    from bot.campaigns.campaigns import create_campaign

    with _services() as svc:
        campaign = _or_exit(
            lambda: create_campaign(
                svc, name=name, flow=flow, template=template, colonia=colonia, category=category, actor=actor
            )
        )
        with Session(svc.engine) as session:
            count = audience_count(session, campaign.colonia, campaign.category)
        click.echo(
            f"campaign {campaign.id} created: {count} residents would be invited; `ventanilla campaigns send {campaign.id}` sends it"
        )


@campaigns.command("send")
@click.argument("campaign_id", type=int)
@click.option("--actor", default="cli", show_default=True, help="Who sends it, for the audit trail.")
def campaigns_send(campaign_id: int, actor: str) -> None:
    """Queue the campaign's invitations, paced by CAMPAIGN_SENDS_PER_MINUTE (the relay hands each to a worker when due)."""
    from bot.campaigns.campaigns import start_sending

    with _services() as svc:
        count = _or_exit(lambda: start_sending(svc, campaign_id, actor=actor))
        minutes = count / svc.config.campaign_sends_per_minute
        click.echo(f"campaign {campaign_id}: {count} invitations queued, over about {minutes:.0f} minutes")


@campaigns.command("show")
@click.argument("campaign_id", type=int)
def campaigns_show(campaign_id: int) -> None:
    """A campaign's figures: sends, delivered and failed, answers and response rate."""
    from sqlmodel import Session

    from bot.campaigns.campaigns import campaign_or_error
    from bot.campaigns.figures import figures

    with _services() as svc, Session(svc.engine) as session:
        campaign = _or_exit(lambda: campaign_or_error(session, campaign_id))
        counted = figures(session, campaign)
        click.echo(f"{campaign.name} ({campaign.flow}, {campaign.status})")
        for label, value in (
            ("audience now", counted.audience),
            ("invited", counted.invited),
            ("pending", counted.pending),
            ("sent", counted.sent),
            ("delivered", counted.delivered),
            ("failed", counted.failed),
            ("skipped", counted.skipped),
            ("held (blackout)", counted.held),
            ("started", counted.started),
            ("declined", counted.declined),
            ("finished", counted.finished),
        ):
            click.echo(f"  {label}: {value}")
        click.echo(f"  response rate: {counted.response_rate:.1%}")


def _services():
    """The app's services, as the web and workers have them (flows, database, config)."""
    from contextlib import contextmanager

    from bot import create_app_or_exit
    from bot.services import services

    @contextmanager
    def within():
        with create_app_or_exit().app_context():
            yield services()

    return within()


def _or_exit(work):
    """Run work; a refused or wrong campaign is a clear message and exit status 1, never a traceback."""
    from bot.campaigns.blackout import BlackoutError
    from bot.campaigns.campaigns import CampaignError

    try:
        return work()
    except (CampaignError, BlackoutError) as exc:
        raise click.ClickException(str(exc)) from None
