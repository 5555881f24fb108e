"""A worker that runs queued jobs with registered handlers."""


class Worker:
    def __init__(self, queue, handlers):
        self.queue = queue
        self.handlers = dict(handlers)

    def run_once(self):
        job = self.queue.dequeue()
        if job is None:
            return None
        handler = self.handlers.get(job.name)
        if handler is None:
            self.queue.fail(job.id, f"no handler for {job.name!r}")
            return job
        try:
            result = handler(job.payload)
        except Exception as error:
            self.queue.fail(job.id, error)
        else:
            self.queue.complete(job.id, result)
        return job

    def run_until_idle(self, max_jobs=10_000):
        processed = 0
        while processed < max_jobs and self.run_once() is not None:
            processed += 1
        return processed


def test_worker():
    from jobqueue.job_queue import JobQueue

    now = [0.0]
    queue = JobQueue(clock=lambda: now[0])
    job = queue.enqueue("double", 21)
    missing = queue.enqueue("missing", max_retries=0)
    worker = Worker(queue, {"double": lambda x: x * 2})
    assert worker.run_until_idle() == 2
    assert queue.get(job.id).result == 42
    assert "no handler" in queue.get(missing.id).last_error
