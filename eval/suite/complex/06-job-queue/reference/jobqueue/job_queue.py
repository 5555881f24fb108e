"""A priority job queue with delays and retries, driven by an injectable clock."""
import time

from jobqueue.job import DEAD, DONE, PENDING, RUNNING, Job


class JobQueue:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._jobs = {}
        self._dead = []
        self._next_id = 1

    def enqueue(self, name, payload=None, priority=0, max_retries=3, delay=0):
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a job needs a name")
        if delay < 0 or max_retries < 0:
            raise ValueError("delay and max_retries must not be negative")
        job = Job(self._next_id, name, payload, priority, max_retries, available_at=self.clock() + delay)
        self._jobs[job.id] = job
        self._next_id += 1
        return job

    def get(self, job_id):
        if job_id not in self._jobs:
            raise KeyError(job_id)
        return self._jobs[job_id]

    def dequeue(self):
        now = self.clock()
        ready = [j for j in self._jobs.values() if j.status == PENDING and j.available_at <= now]
        if not ready:
            return None
        job = min(ready, key=lambda j: (-j.priority, j.id))
        job.status = RUNNING
        job.attempts += 1
        return job

    def _running(self, job_id):
        job = self.get(job_id)
        if job.status != RUNNING:
            raise ValueError(f"job {job_id} is not running")
        return job

    def complete(self, job_id, result=None):
        job = self._running(job_id)
        job.status = DONE
        job.result = result

    def fail(self, job_id, error):
        job = self._running(job_id)
        job.last_error = str(error)
        if job.attempts <= job.max_retries:
            job.status = PENDING
            job.available_at = self.clock() + 2 ** (job.attempts - 1)
        else:
            job.status = DEAD
            self._dead.append(job)

    def dead_letters(self):
        return list(self._dead)

    def stats(self):
        counts = {PENDING: 0, RUNNING: 0, DONE: 0, DEAD: 0}
        for job in self._jobs.values():
            counts[job.status] += 1
        return counts


def test_queue():
    now = [0.0]
    queue = JobQueue(clock=lambda: now[0])
    queue.enqueue("a")
    b = queue.enqueue("b", priority=2)
    assert queue.dequeue().id == b.id
    queue.fail(b.id, "x")
    assert queue.get(b.id).available_at == 1
    now[0] = 1
    assert queue.dequeue().id == b.id
    queue.complete(b.id, 5)
    assert queue.stats() == {"pending": 1, "running": 0, "done": 1, "dead": 0}
