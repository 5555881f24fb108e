"""The job record."""
from dataclasses import dataclass
from typing import Any, Optional

PENDING, RUNNING, DONE, DEAD = "pending", "running", "done", "dead"


@dataclass
class Job:
    id: int
    name: str
    payload: Any = None
    priority: int = 0
    max_retries: int = 3
    attempts: int = 0
    status: str = PENDING
    available_at: float = 0.0
    last_error: Optional[str] = None
    result: Any = None


def test_defaults():
    job = Job(1, "x")
    assert job.status == PENDING and job.attempts == 0 and job.max_retries == 3
