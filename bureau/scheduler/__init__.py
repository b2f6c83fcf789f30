"""The yearly calendar: jobs run by one scheduler process (``flask --app wsgi scheduler run``).

Each job is a plain function ``(now) -> str`` registered with ``@job``. Every run of a job for a
period (a day, a year, a deadline) is recorded once under a unique key in ``job_run``, in the same
transaction as the job's own changes: a rerun, an overlap during a deploy, or a second scheduler
started by mistake changes nothing twice.
"""
