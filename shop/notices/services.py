"""Writes of notices: one notice per event and kind, written in the deciding transaction
(publishing twice writes once)."""

from shop.sourcing.models import ES, Mode

from .models import Notice, NoticeKind


def _items(event) -> list[dict]:
    return [{"title": line.title, "quantity": line.quantity, "unit": line.unit} for line in event.lines.all()]


def notice_for_event(*, event) -> Notice | None:
    """The notice the event's current state publishes: 询价公告 / 竞价公告 while open, 成交公告 when
    awarded, 失败公告 when it failed or was not awarded. None for other states."""
    if event.status == ES.OPEN:
        kind = NoticeKind.INQUIRY if event.mode == Mode.INQUIRY else NoticeKind.AUCTION
    elif event.status == ES.AWARDED:
        kind = NoticeKind.AWARD
    elif event.status in (ES.FAILED, ES.NOT_AWARDED):
        kind = NoticeKind.FAILURE
    else:
        return None
    values = {
        "project_number": event.number,
        "title": event.title,
        "unit_name": event.unit.org_name,
        "method": str(Mode(event.mode).label),
        "items": _items(event),
        "deadline": event.deadline if kind in (NoticeKind.INQUIRY, NoticeKind.AUCTION) else None,
    }
    if kind == NoticeKind.AWARD:
        values.update(supplier_name=event.winner.name, amount=event.award_total)
    if kind == NoticeKind.FAILURE:
        values["reason"] = (event.result_note or "")[:300]
    notice, _created = Notice.objects.get_or_create(event=event, kind=kind, defaults=values)
    return notice
