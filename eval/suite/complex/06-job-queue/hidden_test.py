import pytest

from jobqueue.job import Job
from jobqueue.job_queue import JobQueue
from jobqueue.worker import Worker


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture()
def clock():
    return FakeClock()


@pytest.fixture()
def queue(clock):
    return JobQueue(clock=clock)


def test_job_defaults():
    job = Job(id=1, name="email", payload={"to": "a@b.c"})
    assert (job.priority, job.max_retries, job.attempts, job.status) == (0, 3, 0, "pending")
    assert job.last_error is None and job.result is None


def test_enqueue_validation(queue):
    first = queue.enqueue("email", {"to": "x"})
    second = queue.enqueue("email")
    assert (first.id, second.id) == (1, 2)
    assert first.status == "pending" and first.payload == {"to": "x"}
    with pytest.raises(ValueError):
        queue.enqueue("  ")
    with pytest.raises(ValueError):
        queue.enqueue("x", delay=-1)
    with pytest.raises(ValueError):
        queue.enqueue("x", max_retries=-1)


def test_priority_then_fifo(queue):
    queue.enqueue("low", priority=0)
    queue.enqueue("high", priority=5)
    queue.enqueue("low2", priority=0)
    queue.enqueue("high2", priority=5)
    order = []
    while (job := queue.dequeue()) is not None:
        order.append(job.name)
        assert job.status == "running" and job.attempts == 1
    assert order == ["high", "high2", "low", "low2"]


def test_delayed_jobs(queue, clock):
    queue.enqueue("later", delay=30)
    assert queue.dequeue() is None
    clock.now += 29.9
    assert queue.dequeue() is None
    clock.now += 0.1
    assert queue.dequeue().name == "later"


def test_complete_and_errors(queue):
    job = queue.enqueue("work")
    with pytest.raises(ValueError):
        queue.complete(job.id)
    running = queue.dequeue()
    queue.complete(running.id, result=42)
    assert queue.get(job.id).status == "done" and queue.get(job.id).result == 42
    with pytest.raises(ValueError):
        queue.fail(job.id, "late failure")
    with pytest.raises(KeyError):
        queue.get(999)
    with pytest.raises(KeyError):
        queue.complete(999)


def test_retry_backoff_and_dead_letter(queue, clock):
    job = queue.enqueue("flaky", max_retries=2)
    queue.dequeue()
    queue.fail(job.id, RuntimeError("boom 1"))
    job = queue.get(job.id)
    assert job.status == "pending" and job.last_error == "boom 1"
    assert queue.dequeue() is None
    clock.now += 1
    assert queue.dequeue().attempts == 2
    queue.fail(job.id, "boom 2")
    clock.now += 1.5
    assert queue.dequeue() is None
    clock.now += 0.5
    assert queue.dequeue().attempts == 3
    queue.fail(job.id, ValueError("boom 3"))
    assert queue.get(job.id).status == "dead"
    assert [j.id for j in queue.dead_letters()] == [job.id]
    clock.now += 1000
    assert queue.dequeue() is None


def test_stats(queue):
    a = queue.enqueue("a")
    queue.enqueue("b")
    c = queue.enqueue("c", max_retries=0)
    queue.enqueue("d", delay=60)
    running = queue.dequeue()
    assert running.id == a.id
    queue.complete(a.id)
    queue.dequeue()
    third = queue.dequeue()
    assert third.id == c.id
    queue.fail(c.id, "nope")
    assert queue.stats() == {"pending": 1, "running": 1, "done": 1, "dead": 1}


def test_worker_runs_handlers(queue):
    seen = []

    def send(payload):
        seen.append(payload)
        return "sent to " + payload

    worker = Worker(queue, {"send": send})
    job = queue.enqueue("send", "ada")
    processed = worker.run_once()
    assert processed.id == job.id
    assert queue.get(job.id).status == "done"
    assert queue.get(job.id).result == "sent to ada"
    assert seen == ["ada"]
    assert worker.run_once() is None


def test_worker_retries_until_success(queue, clock):
    calls = []

    def flaky(payload):
        calls.append(payload)
        if len(calls) < 3:
            raise ConnectionError("try again")
        return "ok"

    worker = Worker(queue, {"flaky": flaky})
    job = queue.enqueue("flaky", "p")
    assert worker.run_until_idle() == 1
    assert queue.get(job.id).status == "pending"
    clock.now += 1
    assert worker.run_until_idle() == 1
    clock.now += 2
    assert worker.run_until_idle() == 1
    final = queue.get(job.id)
    assert final.status == "done" and final.result == "ok" and final.attempts == 3


def test_worker_missing_handler_dies(queue, clock):
    worker = Worker(queue, {})
    job = queue.enqueue("mystery", max_retries=1)
    worker.run_once()
    clock.now += 1
    worker.run_once()
    dead = queue.get(job.id)
    assert dead.status == "dead"
    assert "no handler" in dead.last_error


def test_run_until_idle_counts(queue):
    worker = Worker(queue, {"noop": lambda payload: None})
    for _ in range(5):
        queue.enqueue("noop")
    queue.enqueue("noop", delay=10)
    assert worker.run_until_idle() == 5
    assert queue.stats()["done"] == 5 and queue.stats()["pending"] == 1
