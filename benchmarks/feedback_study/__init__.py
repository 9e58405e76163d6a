"""The feedback study: do the in-notebook checks catch typical mistakes, and does a learner who
reads only the printed message fix the mistake in one try?

    python -m benchmarks.feedback_study [--only CHECK,...] [--json FILE] [--verbose]
    make bench BENCH_ARGS="--only feedback"

    chains/<check>.txt  the data: chains of tries, each a first attempt and the fixes written
                        from the check's message alone (format in `chains.py`)
    chains.py           reading the chains (Chain, Try)
    cells.py            each check as a notebook runs it: the notebook's imports, then the try
    runner.py           re-runs every chain, records each try's verdict and message, summarises
"""
