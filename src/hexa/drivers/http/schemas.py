"""The JSON shapes the core's API shares (pages, jobs), from and to domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, StrictInt

from hexa.domain.jobs import JobProgress, JobRecord

Item = TypeVar("Item")


def _whole(value: Any) -> Any:
    # JSON Schema's integer: 3.0 is one, "3" is not; and 64-bit, as the guard keeps them.
    if isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63:
        return int(value)
    return value


# An integer as JSON Schema counts them: 3 and 3.0, never "3" or true.
Whole = Annotated[StrictInt, BeforeValidator(_whole)]


class PageOut(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class JobAccepted(BaseModel):
    job_id: str
    status: str


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    processed: int
    total: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any]
    error: str | None
    report_url: str | None = Field(
        None, description="a finished packet's report: a link that expires; never store it"
    )

    @classmethod
    def of(cls, job: JobProgress, *, report_url: str | None = None, **more: Any) -> Self:
        """`more`: a subclass's own fields."""
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status.value,
            processed=job.processed,
            total=job.total,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            result=job.result,
            error=job.error,
            report_url=report_url,
            **more,
        )


class ListedJobOut(JobOut):
    """A job in the operators' list: where it stands, and its record."""

    attempts: int = Field(description="which run ended it, or runs now (0: none has started)")
    payload: dict[str, Any] = Field(description="what the job works on (an inspection's id...)")
    request_id: str | None = Field(description="the X-Request-ID of the request that accepted it")
    started_by: str | None = Field(description="who caused it, as the audit log names actors")
    retry_of: str | None = Field(description="the failed job this one runs again")
    dispatched_at: datetime | None = Field(description="when it was handed to the queue")

    @classmethod
    def of_record(cls, record: JobRecord) -> ListedJobOut:
        entry, job = record.entry, record.progress
        return cls.of(
            job,
            attempts=job.attempts,
            payload=entry.job.payload,
            request_id=entry.job.request_id,
            started_by=entry.started_by,
            retry_of=entry.retry_of,
            dispatched_at=entry.dispatched_at,
        )
