"""The hardened worker: a zygote that forks one isolated child per submission.

``layers`` holds what a child does to itself before any submission code runs;
``zygote`` the process that forks children; ``client`` the grader's side of it.
"""
